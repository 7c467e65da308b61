/**
 * Native Excel charts in a finished workbook. exceljs cannot write charts, so this adds the parts
 * itself (ECMA-376 DrawingML): per chart `xl/charts/chartN.xml` (a `c:chartSpace` with a bar or
 * line chart over the sheet's own cell ranges, with the values cached so a reader that does not
 * recalculate shows them too), per sheet `xl/drawings/drawingN.xml` (one `xdr:twoCellAnchor` with
 * a graphic frame per chart) with its relationships, the sheet's `<drawing r:id>` and relationship,
 * and the content types. Unchanged parts are copied compressed (load/workbooks/zip.ts).
 */
import { open } from 'node:fs/promises';
import { readZipEntry, rewriteZip, ZipFormatError, zipEntries } from './zip.ts';
import { columnLetter } from './xlsx-rows.ts';

/** a rectangle of cells, 1-based rows, 0-based columns (as columnLetter takes them) */
export interface CellRange {
  col: number;
  fromRow: number;
  toRow: number;
}

export interface ChartSpec {
  /** the worksheet the chart is drawn on and whose cells it reads */
  sheet: string;
  kind: 'bar' | 'line';
  title: string;
  /** category labels (one per row of the range), cached in the chart */
  categories: { range: CellRange; labels: readonly string[] };
  series: ReadonlyArray<{ name: string; range: CellRange; values: ReadonlyArray<number | null> }>;
  /** number format of the value axis, e.g. '0%' */
  valueFormat?: string;
  /** where it sits: top-left and bottom-right cell (0-based column and row, exclusive corner) */
  anchor: { fromCol: number; fromRow: number; toCol: number; toRow: number };
}

const NS = {
  c: 'http://schemas.openxmlformats.org/drawingml/2006/chart',
  a: 'http://schemas.openxmlformats.org/drawingml/2006/main',
  r: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships',
  xdr: 'http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing',
  rels: 'http://schemas.openxmlformats.org/package/2006/relationships',
};
const REL = {
  chart: `${NS.r}/chart`,
  drawing: `${NS.r}/drawing`,
};
const TYPES = {
  chart: 'application/vnd.openxmlformats-officedocument.drawingml.chart+xml',
  drawing: 'application/vnd.openxmlformats-officedocument.drawing+xml',
};
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
/** distinguishable line and bar colours (the status page's palette) */
const COLOURS = ['1F5FA8', 'C26A00', '1A7F37', '8A3FFC', 'C62828', '5B5B5B'];

const esc = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // characters XML 1.0 does not allow
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** `'Sheet name'!$A$2:$A$9` */
export function rangeRef(sheet: string, r: CellRange): string {
  const col = columnLetter(r.col);
  return `'${sheet.replace(/'/g, "''")}'!$${col}$${r.fromRow}:$${col}$${r.toRow}`;
}

function strCache(labels: readonly string[]): string {
  return `<c:strCache><c:ptCount val="${labels.length}"/>${labels.map((l, i) => `<c:pt idx="${i}"><c:v>${esc(l)}</c:v></c:pt>`).join('')}</c:strCache>`;
}

function numCache(values: ReadonlyArray<number | null>): string {
  return `<c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="${values.length}"/>${values
    .map((v, i) => (v === null || !Number.isFinite(v) ? '' : `<c:pt idx="${i}"><c:v>${v}</c:v></c:pt>`))
    .join('')}</c:numCache>`;
}

/** The `c:chartSpace` of one chart (element order as the schema requires). */
export function chartXml(spec: ChartSpec): string {
  const bar = spec.kind === 'bar';
  const series = spec.series
    .map((s, i) => {
      const colour = COLOURS[i % COLOURS.length]!;
      const look = bar
        ? `<c:spPr><a:solidFill><a:srgbClr val="${colour}"/></a:solidFill></c:spPr><c:invertIfNegative val="0"/>`
        : `<c:spPr><a:ln w="22225"><a:solidFill><a:srgbClr val="${colour}"/></a:solidFill></a:ln></c:spPr><c:marker><c:symbol val="circle"/><c:size val="5"/></c:marker>`;
      return (
        `<c:ser><c:idx val="${i}"/><c:order val="${i}"/><c:tx><c:v>${esc(s.name)}</c:v></c:tx>${look}` +
        `<c:cat><c:strRef><c:f>${esc(rangeRef(spec.sheet, spec.categories.range))}</c:f>${strCache(spec.categories.labels)}</c:strRef></c:cat>` +
        `<c:val><c:numRef><c:f>${esc(rangeRef(spec.sheet, s.range))}</c:f>${numCache(s.values)}</c:numRef></c:val>` +
        (bar ? '' : '<c:smooth val="0"/>') +
        `</c:ser>`
      );
    })
    .join('');
  const plot = bar
    ? `<c:barChart><c:barDir val="bar"/><c:grouping val="clustered"/><c:varyColors val="0"/>${series}<c:gapWidth val="60"/><c:axId val="1001"/><c:axId val="1002"/></c:barChart>`
    : `<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>${series}<c:marker val="1"/><c:axId val="1001"/><c:axId val="1002"/></c:lineChart>`;
  // bars run top to bottom in sheet order; the value axis stays at the bottom
  const catAx =
    `<c:catAx><c:axId val="1001"/><c:scaling><c:orientation val="${bar ? 'maxMin' : 'minMax'}"/></c:scaling><c:delete val="0"/>` +
    `<c:axPos val="${bar ? 'l' : 'b'}"/><c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="out"/><c:minorTickMark val="none"/>` +
    `<c:tickLblPos val="low"/><c:crossAx val="1002"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="1"/></c:catAx>`;
  const valAx =
    `<c:valAx><c:axId val="1002"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>` +
    `<c:axPos val="${bar ? 'b' : 'l'}"/><c:majorGridlines/><c:numFmt formatCode="${esc(spec.valueFormat ?? 'General')}" sourceLinked="${spec.valueFormat ? 0 : 1}"/>` +
    `<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="1001"/>` +
    `<c:crosses val="${bar ? 'max' : 'autoZero'}"/><c:crossBetween val="between"/></c:valAx>`;
  const legend = spec.series.length > 1 ? '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>' : '';
  return (
    XML_HEAD +
    `<c:chartSpace xmlns:c="${NS.c}" xmlns:a="${NS.a}" xmlns:r="${NS.r}"><c:roundedCorners val="0"/><c:chart>` +
    `<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>${esc(spec.title)}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>` +
    `<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>${plot}${catAx}${valAx}</c:plotArea>${legend}` +
    `<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>`
  );
}

function drawingXml(charts: ReadonlyArray<{ spec: ChartSpec; rId: string }>): string {
  const anchors = charts.map(({ spec, rId }, i) => {
    const a = spec.anchor;
    const corner = (col: number, row: number) =>
      `<xdr:col>${col}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${row}</xdr:row><xdr:rowOff>0</xdr:rowOff>`;
    return (
      `<xdr:twoCellAnchor editAs="oneCell"><xdr:from>${corner(a.fromCol, a.fromRow)}</xdr:from><xdr:to>${corner(a.toCol, a.toRow)}</xdr:to>` +
      `<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="${i + 2}" name="${esc(spec.title)}"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>` +
      `<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic><a:graphicData uri="${NS.c}">` +
      `<c:chart xmlns:c="${NS.c}" r:id="${rId}"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>`
    );
  });
  return XML_HEAD + `<xdr:wsDr xmlns:xdr="${NS.xdr}" xmlns:a="${NS.a}" xmlns:r="${NS.r}">${anchors.join('')}</xdr:wsDr>`;
}

function relsXml(rels: ReadonlyArray<{ id: string; type: string; target: string }>): string {
  return (
    XML_HEAD +
    `<Relationships xmlns="${NS.rels}">${rels.map((r) => `<Relationship Id="${r.id}" Type="${r.type}" Target="${esc(r.target)}"/>`).join('')}</Relationships>`
  );
}

const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
const unesc = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** worksheet elements that must follow `<drawing>` (CT_Worksheet's order) */
const AFTER_DRAWING = [
  'legacyDrawing',
  'legacyDrawingHF',
  'drawingHF',
  'picture',
  'oleObjects',
  'controls',
  'webPublishItems',
  'tableParts',
  'extLst',
];

function withDrawing(sheetXml: string, rId: string, sheet: string): string {
  if (/<drawing\b/.test(sheetXml)) throw new ZipFormatError(`Sheet ${sheet} already has a drawing; adding charts to it is not supported.`);
  const element = `<drawing xmlns:r="${NS.r}" r:id="${rId}"/>`;
  let at = sheetXml.lastIndexOf('</worksheet>');
  for (const name of AFTER_DRAWING) {
    const i = sheetXml.search(new RegExp(`<${name}[\\s/>]`));
    if (i >= 0 && i < at) at = i;
  }
  if (at < 0) throw new ZipFormatError(`Sheet ${sheet} is not a worksheet part.`);
  return sheetXml.slice(0, at) + element + sheetXml.slice(at);
}

/**
 * Adds the charts to the workbook at `file` (rewritten in place). Each chart reads its sheet's
 * cells; several charts on one sheet share its drawing.
 */
export async function addCharts(file: string, charts: readonly ChartSpec[]): Promise<void> {
  if (charts.length === 0) return;
  const replace = new Map<string, Buffer>();
  const add = new Map<string, Buffer>();
  const fh = await open(file, 'r');
  try {
    const entries = await zipEntries(fh, file);
    const byName = new Map(entries.map((e) => [e.name, e]));
    const text = async (name: string) => {
      const e = byName.get(name);
      return e ? (await readZipEntry(fh, e)).toString('utf8') : undefined;
    };
    const workbook = await text('xl/workbook.xml');
    const workbookRels = await text('xl/_rels/workbook.xml.rels');
    let types = await text('[Content_Types].xml');
    if (!workbook || !workbookRels || !types)
      throw new ZipFormatError(`${file} is not an .xlsx workbook (no workbook part or content types).`);
    const relTarget = new Map<string, string>();
    for (const tag of workbookRels.match(/<Relationship\b[^>]*>/g) ?? []) relTarget.set(attr(tag, 'Id') ?? '', attr(tag, 'Target') ?? '');
    const sheetPart = (name: string): string => {
      for (const tag of workbook.match(/<sheet\b[^>]*>/g) ?? []) {
        if (unesc(attr(tag, 'name') ?? '') !== name) continue;
        const target = relTarget.get(attr(tag, 'r:id') ?? '');
        if (target) return target.startsWith('/') ? target.slice(1) : `xl/${target}`;
      }
      throw new ZipFormatError(`${file} has no sheet named ${name} to draw a chart on.`);
    };
    const next = (prefix: string) => {
      let n = 1;
      while (byName.has(`${prefix}${n}.xml`) || add.has(`${prefix}${n}.xml`)) n++;
      return n;
    };

    const sheets = [...new Set(charts.map((c) => c.sheet))];
    for (const sheet of sheets) {
      const part = sheetPart(sheet);
      const drawingNo = next('xl/drawings/drawing');
      const drawingPart = `xl/drawings/drawing${drawingNo}.xml`;
      const onSheet: Array<{ spec: ChartSpec; rId: string }> = [];
      const drawingRels: Array<{ id: string; type: string; target: string }> = [];
      for (const spec of charts.filter((c) => c.sheet === sheet)) {
        const chartNo = next('xl/charts/chart');
        add.set(`xl/charts/chart${chartNo}.xml`, Buffer.from(chartXml(spec), 'utf8'));
        const rId = `rId${onSheet.length + 1}`;
        onSheet.push({ spec, rId });
        drawingRels.push({ id: rId, type: REL.chart, target: `../charts/chart${chartNo}.xml` });
        types = types.replace('</Types>', `<Override PartName="/xl/charts/chart${chartNo}.xml" ContentType="${TYPES.chart}"/></Types>`);
      }
      add.set(drawingPart, Buffer.from(drawingXml(onSheet), 'utf8'));
      add.set(`xl/drawings/_rels/drawing${drawingNo}.xml.rels`, Buffer.from(relsXml(drawingRels), 'utf8'));
      types = types.replace('</Types>', `<Override PartName="/${drawingPart}" ContentType="${TYPES.drawing}"/></Types>`);

      // the sheet's relationship to its drawing, next to whatever relationships it has
      const dir = part.slice(0, part.lastIndexOf('/'));
      const relsPart = `${dir}/_rels/${part.slice(dir.length + 1)}.rels`;
      const existing = await text(relsPart);
      const ids = new Set((existing?.match(/\sId="([^"]*)"/g) ?? []).map((m) => m.slice(5, -1)));
      let n = 1;
      while (ids.has(`rIdDrawing${n}`)) n++;
      const rId = `rIdDrawing${n}`;
      const rel = `<Relationship Id="${rId}" Type="${REL.drawing}" Target="../drawings/drawing${drawingNo}.xml"/>`;
      if (existing) replace.set(relsPart, Buffer.from(existing.replace('</Relationships>', `${rel}</Relationships>`), 'utf8'));
      else add.set(relsPart, Buffer.from(XML_HEAD + `<Relationships xmlns="${NS.rels}">${rel}</Relationships>`, 'utf8'));
      const sheetXml = await text(part);
      if (sheetXml === undefined) throw new ZipFormatError(`${file}: the part ${part} of sheet ${sheet} is missing.`);
      replace.set(part, Buffer.from(withDrawing(sheetXml, rId, sheet), 'utf8'));
    }
    replace.set('[Content_Types].xml', Buffer.from(types, 'utf8'));
  } finally {
    await fh.close();
  }
  await rewriteZip(file, replace, add);
}
