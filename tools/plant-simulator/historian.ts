/**
 * A fast IVariableHistorian for the simulator, over a time-sorted Series (typed arrays). node-opcua's
 * built-in one keeps DataValues in a linked queue and scans it whole on every read, and the server
 * then holds every DataValue of the range until the client has paged through it.
 *
 * Here a read finds its range by binary search and hands node-opcua's continuation point manager
 * a lazy list: DataValues are built only for the page being sent. The manager (node-opcua
 * 2.182, api/continuation_points/continuation_point_manager.js) only reads `length` and calls
 * `splice(0, n)` on what a historian returns; a result that fits one page is a real array.
 *
 * Like node-opcua's own historian, the end time is inclusive: a sample stamped exactly endTime is
 * returned (the extract drops it; OPC UA Part 11 says exclusive).
 */
import type { IVariableHistorian } from 'node-opcua-address-space-base';
import { DataType, DataValue, type ReadRawModifiedDetails, type StatusCode, StatusCodes } from 'node-opcua-client';
import type { Series } from './machines.ts';

/** quality byte → status code (see machines.ts) */
const PALETTE: readonly StatusCode[] = [StatusCodes.Good, StatusCodes.BadSensorFailure, StatusCodes.UncertainLastUsableValue];

/** node-opcua's "no time given" (DateTime.MinValue, 1601-01-01) */
function given(d: Date | null | undefined): d is Date {
  return d instanceof Date && d.getTime() > -11644473600000;
}

function makeDataValue(series: Series, i: number, dataType: DataType): DataValue {
  // the argument-less constructors are node-opcua's cheap path; fields are filled in directly
  const dv = new DataValue();
  dv.value.dataType = dataType;
  dv.value.value = series.values[i]!;
  dv.statusCode = PALETTE[series.quality[i]!] ?? StatusCodes.Bad;
  const at = new Date(series.ts[i]!);
  dv.sourceTimestamp = at;
  dv.serverTimestamp = at;
  return dv;
}

/** the not-yet-sent part of a read: indexes [lo, hi) of the series, ascending or descending */
class LazyDataValues {
  #lo: number;
  #hi: number;
  readonly #descending: boolean;
  readonly #series: Series;
  readonly #dataType: DataType;

  constructor(series: Series, dataType: DataType, lo: number, hi: number, descending: boolean) {
    this.#series = series;
    this.#dataType = dataType;
    this.#lo = lo;
    this.#hi = hi;
    this.#descending = descending;
  }

  get length(): number {
    return this.#hi - this.#lo;
  }

  /** Array#splice(0, n) as the continuation point manager uses it: takes the next n values. */
  splice(start: number, count?: number): DataValue[] {
    if (start !== 0) throw new Error('LazyDataValues only supports splice(0, n)');
    const n = Math.max(0, Math.min(count ?? this.length, this.length));
    const out = new Array<DataValue>(n);
    for (let j = 0; j < n; j++) {
      const i = this.#descending ? this.#hi - 1 - j : this.#lo + j;
      out[j] = makeDataValue(this.#series, i, this.#dataType);
    }
    if (this.#descending) this.#hi -= n;
    else this.#lo += n;
    return out;
  }
}

export class SeriesHistorian implements IVariableHistorian {
  readonly series: Series;
  readonly dataType: DataType;
  /** reads served (first pages only: continuations are served by node-opcua from the lazy list) */
  reads = 0;

  constructor(series: Series, dataType: DataType) {
    this.series = series;
    this.dataType = dataType;
  }

  /** The simulator appends to the series itself; values written through the address space are not history. */
  async push(): Promise<void> {}

  extractDataValues(
    details: ReadRawModifiedDetails,
    maxNumberToExtract: number,
    isReversed: boolean,
    reverseDataValue: boolean,
    callback: (err: Error | null, dataValue?: DataValue[]) => void,
  ): void {
    this.reads += 1;
    const s = this.series;
    let lo = given(details.startTime) ? s.lowerBound(details.startTime.getTime()) : 0;
    let hi = given(details.endTime) ? s.upperBound(details.endTime.getTime()) : s.length;
    if (hi < lo) hi = lo;
    // only one bound given: the first (or, reversed, the last) maxNumberToExtract values
    if (maxNumberToExtract > 0 && hi - lo > maxNumberToExtract) {
      if (isReversed) lo = hi - maxNumberToExtract;
      else hi = lo + maxNumberToExtract;
    }
    // isReversed: newest first (node-opcua's convention), undone by reverseDataValue
    const descending = isReversed !== reverseDataValue;
    const lazy = new LazyDataValues(s, this.dataType, lo, hi, descending);
    const perPage = details.numValuesPerNode;
    if (perPage > 0 && lazy.length > perPage) {
      callback(null, lazy as unknown as DataValue[]);
      return;
    }
    callback(null, lazy.splice(0));
  }
}
