/**
 * Raw history reads (HistoryRead with ReadRawModifiedDetails), as pages of good samples per tag.
 *
 * - Several nodes per request, numValuesPerNode = pageSize, timestamps Both; continuation points
 *   are followed with the very same details object.
 * - Half-open windows: a sample stamped exactly `to` is dropped (node-opcua's server includes the
 *   end time, OPC UA Part 11 excludes it; asking for `to` and dropping covers both).
 * - Samples whose status is not Good (bad or uncertain) are counted in `bad`, never returned.
 * - Each node remembers the last source timestamp it received; anything at or before it is a
 *   repeat at a page edge and is skipped. The same mark is where a node resumes after the
 *   connection was lost: its continuation point died with the session, so it is read again from
 *   that timestamp (inclusive, the repeat is skipped): no duplicate, no gap.
 * - Continuation points still held on the server are released when the read is abandoned (error,
 *   abort, the consumer stopping early). A continuation point answered again without progress is
 *   a server loop and stops the read.
 * - The next request goes out before the current pages are handed over, so the server works while
 *   the consumer stages.
 */
import {
  type ClientSession,
  DataType,
  type DataValue,
  type HistoryReadResponse,
  HistoryReadRequest,
  type NodeId,
  ReadRawModifiedDetails,
  resolveNodeId,
  StatusCodes,
  TimestampsToReturn,
  type Variant,
} from 'node-opcua-client';
import { EtlError } from '../../core/errors.ts';
import { recordOpcuaRead } from '../../core/metrics.ts';
import type { Sample } from './sample.ts';
import { isConnectionLoss, type OpcuaLink } from './connection.ts';
import { OpcuaConnectionError, OpcuaReadError } from './settings.ts';

export interface RawPage {
  tag: string;
  /** good samples only, ascending, no repeated timestamp, inside [from, to) */
  samples: Sample[];
  /** bad or uncertain samples (inside the window) left out of `samples` */
  bad: number;
  /** the last page of this tag */
  done: boolean;
}

export interface ReadNode {
  tag: string;
  nodeId: string;
}

export interface ReadRange {
  from: number;
  to: number;
}

export interface ReadOptions {
  /** numValuesPerNode */
  pageSize: number;
  nodesPerRequest: number;
}

interface NodeState {
  tag: string;
  nodeId: NodeId;
  /** the continuation point the server holds for this node, if any */
  cp: Buffer | null;
  /** last source timestamp received (ms): the dedupe and resume mark */
  last: number;
  done: boolean;
  /** pages in a row that brought nothing new */
  stalls: number;
  /** continuation points refused (BadContinuationPointInvalid) in a row */
  restarts: number;
  /** the details of the node's current group: continuations and their release repeat them */
  details: ReadRawModifiedDetails;
}

/** a continuation point to release, with the details it was obtained with */
type Held = Pick<NodeState, 'nodeId' | 'cp' | 'details'>;

/** nodes read together with the same details, until each has no continuation point left */
interface Group {
  details: ReadRawModifiedDetails;
  nodes: NodeState[];
}

type Outcome = { ok: true; response: HistoryReadResponse; ms: number } | { ok: false; error: unknown; ms: number };

interface Pending {
  group: Group;
  /** the group's nodes sent, in request order */
  sent: NodeState[];
  generation: number;
  outcome: Promise<Outcome>;
}

/** a server that keeps answering empty pages with continuation points is looping */
const MAX_STALLS = 20;
const MAX_RESTARTS = 3;
/** the answer exceeded the connection's message size (node-opcua's default limit is 16 MiB) */
const TOO_LARGE = /BadTcpMessageTooLarge|BadResponseTooLarge|BadEncodingLimitsExceeded|BadRequestTooLarge/;
/** connection losses in a row without one good response: the server accepts us and drops us again */
const MAX_LOSSES_IN_A_ROW = 5;
const RELEASE_TIMEOUT_MS = 5_000;

/** Good severity (top two bits 0); info bits such as ExtraData or the historian bits do not matter */
function isGood(dv: DataValue): boolean {
  return dv.statusCode.value >>> 30 === 0;
}

function numeric(variant: Variant | null | undefined): number | undefined {
  const v: unknown = variant?.value;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  // node-opcua carries 64-bit integers as [high, low]
  if (Array.isArray(v) && v.length === 2 && (variant?.dataType === DataType.Int64 || variant?.dataType === DataType.UInt64)) {
    const [high, low] = v as [number, number];
    return (variant.dataType === DataType.Int64 ? high | 0 : high >>> 0) * 2 ** 32 + (low >>> 0);
  }
  return undefined;
}

function timestampOf(dv: DataValue): number | undefined {
  const t = dv.sourceTimestamp ?? dv.serverTimestamp;
  const ms = t?.getTime();
  return ms === undefined || Number.isNaN(ms) ? undefined : ms;
}

function makeDetails(start: number, to: number, pageSize: number): ReadRawModifiedDetails {
  return new ReadRawModifiedDetails({
    isReadModified: false,
    returnBounds: false,
    startTime: new Date(start),
    endTime: new Date(to),
    numValuesPerNode: pageSize,
  });
}

function hasCp(cp: Buffer | null | undefined): cp is Buffer {
  return cp !== null && cp !== undefined && cp.length > 0;
}

const HINTS: Record<string, string> = {
  BadHistoryOperationUnsupported: 'the node keeps no history (not historized on the server)',
  BadHistoryOperationInvalid: 'the server does not accept raw history reads on this node',
  BadNodeIdUnknown: 'the node does not exist on the server',
  BadUserAccessDenied: 'the OPC UA user may not read this node’s history',
  BadNotReadable: 'the node’s history is not readable',
  BadNoContinuationPoints: 'the server ran out of continuation points: lower historian.nodesPerRequest',
  BadTimestampsToReturnInvalid: 'the server does not return source and server timestamps',
};

function readFailure(node: NodeState, status: { name: string; toString(): string }, endpoint: string): OpcuaReadError {
  const hint = HINTS[status.name];
  return new OpcuaReadError(
    `HistoryRead of tag "${node.tag}" (${node.nodeId.toString()}) failed: ${status.toString()}${hint ? `: ${hint}` : ''}`,
    {
      context: { tag: node.tag, nodeId: node.nodeId.toString(), status: status.name, endpoint },
    },
  );
}

/**
 * Reads [from, to) of every node, yielding one page per node and response. A node's pages come
 * in time order; nodes are read nodesPerRequest at a time.
 */
export async function* readRawHistory(
  link: OpcuaLink,
  nodes: readonly ReadNode[],
  range: ReadRange,
  o: ReadOptions,
): AsyncGenerator<RawPage, void, undefined> {
  if (!(o.pageSize > 0) || !(o.nodesPerRequest > 0)) throw new OpcuaReadError('pageSize and nodesPerRequest must be positive');
  // a server answer too large to send makes these smaller for the rest of the read
  let perRequest = o.nodesPerRequest;
  let pageSize = o.pageSize;
  const first = makeDetails(range.from, range.to, pageSize);
  const states: NodeState[] = nodes.map((n) => ({
    tag: n.tag,
    nodeId: resolveNodeId(n.nodeId),
    cp: null,
    last: -Infinity,
    done: false,
    stalls: 0,
    restarts: 0,
    details: first,
  }));
  if (!(range.from < range.to)) {
    for (const s of states) yield { tag: s.tag, samples: [], bad: 0, done: true };
    return;
  }
  const endpoint = link.settings.endpoint;
  const queue: Group[] = [];
  /** a group of nodes read from `start` on */
  const makeGroup = (start: number, list: NodeState[]): Group => {
    const details = start === range.from && pageSize === o.pageSize ? first : makeDetails(start, range.to, pageSize);
    for (const n of list) n.details = details;
    return { details, nodes: list };
  };
  for (let i = 0; i < states.length; i += perRequest) queue.push(makeGroup(range.from, states.slice(i, i + perRequest)));
  let pending: Pending | undefined;
  let lossesInARow = 0;
  /** continuation points of failed requests, maybe still held on the server: released at the end */
  const stale: Held[] = [];

  /** the next request of the first unfinished group (undefined when everything is read) */
  const launch = (): Pending | undefined => {
    while (queue.length > 0 && queue[0]!.nodes.every((n) => n.done)) queue.shift();
    const group = queue[0];
    if (!group) return undefined;
    link.checkAborted();
    const sent = group.nodes.filter((n) => !n.done);
    const request = new HistoryReadRequest({
      historyReadDetails: group.details,
      timestampsToReturn: TimestampsToReturn.Both,
      releaseContinuationPoints: false,
      nodesToRead: sent.map((n) => ({ nodeId: n.nodeId, continuationPoint: n.cp ?? undefined })),
    });
    const generation = link.generation;
    const t0 = performance.now();
    let session: ClientSession;
    try {
      session = link.session();
    } catch (error) {
      return { group, sent, generation, outcome: Promise.resolve({ ok: false, error, ms: 0 }) };
    }
    // never rejects: an abandoned prefetch must not become an unhandled rejection
    const outcome = session.historyRead(request).then(
      (response): Outcome => ({ ok: true, response, ms: performance.now() - t0 }),
      (error: unknown): Outcome => ({ ok: false, error, ms: performance.now() - t0 }),
    );
    return { group, sent, generation, outcome };
  };

  /**
   * After a failed request, when no node holds a usable continuation point any more: every
   * unfinished node again from its own mark, grouped by mark, perRequest at a time.
   */
  const rebuild = () => {
    const open = queue.flatMap((g) => g.nodes.filter((n) => !n.done));
    const byStart = new Map<number, NodeState[]>();
    for (const n of open) {
      n.cp = null;
      const start = Number.isFinite(n.last) ? n.last : range.from;
      byStart.set(start, [...(byStart.get(start) ?? []), n]);
    }
    queue.length = 0;
    for (const [start, list] of [...byStart.entries()].sort((a, b) => a[0] - b[0])) {
      for (let i = 0; i < list.length; i += perRequest) queue.push(makeGroup(start, list.slice(i, i + perRequest)));
    }
  };

  /** the pages of one response; updates each node's mark and continuation point */
  const handle = (p: Pending, response: HistoryReadResponse, ms: number): RawPage[] => {
    const results = response.results ?? [];
    if (results.length !== p.sent.length) {
      throw new OpcuaReadError(`HistoryRead answered ${results.length} results for ${p.sent.length} nodes`, { context: { endpoint } });
    }
    const pages: RawPage[] = [];
    let good = 0;
    let badTotal = 0;
    /** before giving up on node k: the nodes after it hold what this response gave them, to release */
    const failAt = (k: number, err: OpcuaReadError): OpcuaReadError => {
      for (let j = k + 1; j < p.sent.length; j++) {
        const r = results[j]!;
        p.sent[j]!.cp = !r.statusCode.isBad() && hasCp(r.continuationPoint) ? r.continuationPoint : null;
      }
      return err;
    };
    for (let k = 0; k < p.sent.length; k++) {
      const node = p.sent[k]!;
      const result = results[k]!;
      const status = result.statusCode;
      const sentCp = node.cp;
      if (status.isBad()) {
        node.cp = null; // a failed operation holds nothing on the server
        if (hasCp(sentCp) && status.equals(StatusCodes.BadContinuationPointInvalid)) {
          // the server dropped our continuation point (limits, timeout): read again from the mark
          node.restarts += 1;
          if (node.restarts > MAX_RESTARTS) throw failAt(k, readFailure(node, status, endpoint));
          p.group.nodes = p.group.nodes.filter((n) => n !== node);
          queue.splice(queue.indexOf(p.group) + 1, 0, makeGroup(Number.isFinite(node.last) ? node.last : range.from, [node]));
          continue;
        }
        throw failAt(k, readFailure(node, status, endpoint));
      }
      const dataValues: DataValue[] = (result.historyData as { dataValues?: DataValue[] | null } | null)?.dataValues ?? [];
      const samples: Sample[] = [];
      let bad = 0;
      const before = node.last;
      for (const dv of dataValues) {
        const ts = timestampOf(dv);
        if (ts === undefined) {
          bad += 1;
          continue;
        }
        if (ts <= node.last) continue; // repeat at a page edge or after a resume
        node.last = ts;
        if (ts < range.from || ts >= range.to) continue;
        const value = isGood(dv) ? numeric(dv.value) : undefined;
        if (value === undefined) bad += 1;
        else samples.push({ ts, value });
      }
      const progressed = node.last > before;
      const cp = result.continuationPoint;
      if (hasCp(cp)) {
        if (progressed) {
          node.stalls = 0;
          node.restarts = 0;
        } else {
          if (hasCp(sentCp) && cp.equals(sentCp)) {
            node.cp = cp;
            throw failAt(
              k,
              new OpcuaReadError(
                `HistoryRead of tag "${node.tag}" (${node.nodeId.toString()}): the server returned the same continuation point again without new data`,
                {
                  context: { tag: node.tag, nodeId: node.nodeId.toString(), endpoint },
                },
              ),
            );
          }
          node.stalls += 1;
          if (node.stalls > MAX_STALLS) {
            node.cp = cp;
            throw failAt(
              k,
              new OpcuaReadError(
                `HistoryRead of tag "${node.tag}" (${node.nodeId.toString()}): ${MAX_STALLS} continuation pages in a row without new data`,
                {
                  context: { tag: node.tag, nodeId: node.nodeId.toString(), endpoint },
                },
              ),
            );
          }
        }
        node.cp = cp;
      } else {
        node.cp = null;
        node.done = true;
      }
      good += samples.length;
      badTotal += bad;
      if (samples.length > 0 || bad > 0 || node.done) pages.push({ tag: node.tag, samples, bad, done: node.done });
    }
    recordOpcuaRead({ ms, good, bad: badTotal });
    return pages;
  };

  try {
    pending = launch();
    while (pending) {
      const p = pending;
      const outcome = await link.abortable(p.outcome);
      pending = undefined;
      if (!outcome.ok) {
        recordOpcuaRead({ ms: outcome.ms, error: outcome.error });
        const err = outcome.error;
        if (err instanceof EtlError) throw err;
        if (TOO_LARGE.test(err instanceof Error ? err.message : String(err))) {
          // the server may have moved past pages it could not send: those nodes start over from their marks
          for (const n of p.sent) if (hasCp(n.cp)) stale.push({ nodeId: n.nodeId, cp: n.cp, details: n.details });
          if (perRequest > 1) perRequest = Math.max(1, Math.floor(p.sent.length / 2));
          else if (pageSize > 1) pageSize = Math.max(1, Math.floor(pageSize / 2));
          else
            throw new OpcuaReadError(`HistoryRead failed on ${endpoint}: even one value of one node is too large to send`, {
              context: { endpoint },
              cause: err,
            });
          link.logger.warn('HistoryRead answer too large for the connection, reading less per request', {
            endpoint,
            nodesPerRequest: perRequest,
            pageSize,
          });
          if (link.lost) await link.reconnect(err, p.generation);
          rebuild();
          pending = launch();
          continue;
        }
        if (!(isConnectionLoss(err) || link.lost)) {
          throw new OpcuaReadError(`HistoryRead failed on ${endpoint}: ${err instanceof Error ? err.message : String(err)}`, {
            context: { endpoint },
            cause: err,
          });
        }
        lossesInARow += 1;
        if (lossesInARow > MAX_LOSSES_IN_A_ROW) {
          throw new OpcuaConnectionError(
            `the OPC UA server ${endpoint} dropped the connection ${lossesInARow} times in a row during HistoryRead`,
            { context: { endpoint }, cause: err },
          );
        }
        await link.reconnect(err, p.generation);
        stale.length = 0; // they died with the session, as did every node's
        rebuild();
        pending = launch();
        continue;
      }
      lossesInARow = 0;
      const pages = handle(p, outcome.response, outcome.ms);
      pending = launch(); // the server works on the next page while the consumer takes these
      for (const page of pages) yield page;
    }
  } finally {
    await release(link, pending, states, stale, perRequest);
  }
}

/** Frees the continuation points still held on the server (best effort: the read is being abandoned). */
async function release(
  link: OpcuaLink,
  pending: Pending | undefined,
  states: readonly NodeState[],
  stale: readonly Held[],
  nodesPerRequest: number,
): Promise<void> {
  const generation = pending?.generation ?? link.generation;
  if (pending) {
    // the prefetch in flight: whatever it got back is now held on the server
    const outcome = await Promise.race([
      pending.outcome,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), RELEASE_TIMEOUT_MS).unref()),
    ]);
    if (outcome?.ok) {
      const results = outcome.response.results ?? [];
      pending.sent.forEach((n, k) => {
        const cp = results[k]?.continuationPoint;
        n.cp = hasCp(cp) ? cp : null;
      });
    }
  }
  const held = [...states.filter((n) => hasCp(n.cp)), ...stale];
  if (held.length === 0 || link.lost || generation !== link.generation) return;
  let session: ClientSession;
  try {
    session = link.session();
  } catch {
    return;
  }
  // one release per details object, nodesPerRequest at a time
  const chunks: Held[][] = [];
  for (const details of new Set(held.map((n) => n.details))) {
    const same = held.filter((n) => n.details === details);
    for (let i = 0; i < same.length; i += nodesPerRequest) chunks.push(same.slice(i, i + nodesPerRequest));
  }
  for (const chunk of chunks) {
    const t0 = performance.now();
    const request = new HistoryReadRequest({
      historyReadDetails: chunk[0]!.details,
      timestampsToReturn: TimestampsToReturn.Both,
      releaseContinuationPoints: true,
      nodesToRead: chunk.map((n) => ({ nodeId: n.nodeId, continuationPoint: n.cp! })),
    });
    try {
      await Promise.race([
        session.historyRead(request),
        new Promise((_, reject) => setTimeout(() => reject(new Error('release timed out')), RELEASE_TIMEOUT_MS).unref()),
      ]);
      recordOpcuaRead({ ms: performance.now() - t0 });
      for (const n of chunk) n.cp = null;
    } catch (err) {
      recordOpcuaRead({ ms: performance.now() - t0, error: err });
      link.logger.debug('could not release OPC UA continuation points', {
        error: err instanceof Error ? err.message : String(err),
        nodes: chunk.length,
      });
      return;
    }
  }
}
