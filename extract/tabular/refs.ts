/**
 * Cell references for error reports: CSV rows are referred to by line number, XLSX cells the way a
 * planner finds them in Excel ("Sheet1!B12", "'Plan 2026'!B12").
 */

/** 0-based column index → Excel column letters (0 → A, 26 → AA) */
export function columnLetters(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    out = String.fromCharCode(65 + rem) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** Excel quotes sheet names that are not plain words, doubling inner quotes */
export function quoteSheetName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) ? name : `'${name.replace(/'/g, "''")}'`;
}

export function xlsxRowRef(sheet: string, rowNumber: number): string {
  return `${quoteSheetName(sheet)}!${rowNumber}`;
}

/**
 * Reference of one cell of a row. CSV row refs (no "!") stay the line number, since the column is
 * reported separately; XLSX row refs "Sheet1!12" become "Sheet1!B12".
 */
export function cellRef(rowRef: string, columnIndex: number): string {
  const bang = rowRef.lastIndexOf('!');
  if (bang < 0) return rowRef;
  return `${rowRef.slice(0, bang + 1)}${columnLetters(columnIndex)}${rowRef.slice(bang + 1)}`;
}
