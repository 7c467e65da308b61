/**
 * The OPC UA historian extract against the in-process plant simulator: paging with continuation
 * points, half-open windows, bad quality, tag resolution, security and credentials, release of
 * continuation points, and resuming after a server restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DataType,
  DataValue,
  HistoryData,
  type HistoryReadRequest,
  HistoryReadResponse,
  HistoryReadResult,
  StatusCodes,
} from 'node-opcua-client';
import { loadConfig } from '../../core/config.ts';
import { ConfigError, InterruptedError, isPermanent } from '../../core/errors.ts';
import type { OpcuaLink } from '../../extract/historian/connection.ts';
import { readRawHistory } from '../../extract/historian/history-read.ts';
import {
  clientCertificateInfo,
  OpcuaConnectionError,
  OpcuaReadError,
  OpcuaSecurityError,
  OpcuaTagError,
  opcuaSettings,
  type RawPage,
  type ReadNode,
} from '../../extract/historian/index.ts';
import { generatePlant, QUALITY_BAD_SENSOR_FAILURE, STATE_DOWN, STATE_IDLE, STATE_RUNNING } from '../../tools/plant-simulator/machines.ts';
import { historianSettingsSchema, type TagSettings } from '../../core/config/historian.ts';
import { drain, startTestPlant, type TestPlant } from '../support/opcua.ts';

const MINUTE = 60_000;
const FROM = Date.UTC(2024, 9, 25); // three days of one-minute samples
const TO = FROM + 3 * 1440 * MINUTE;

let plant: TestPlant;
let nodes: Map<string, string>;

function readNodes(...tags: string[]): ReadNode[] {
  return tags.map((tag) => ({ tag, nodeId: nodes.get(tag)! }));
}

beforeAll(async () => {
  plant = await startTestPlant({
    machines: 2,
    from: FROM,
    to: TO,
    sampleSeconds: 60,
    badQuality: true,
    securityModes: ['None', 'SignAndEncrypt'],
    users: [{ user: 'operator', password: 'right-password' }],
    acceptUnknownClientCertificates: false,
    clientPkis: ['trusting', 'untrusting'],
  });
  plant.trustServer(plant.clientPki.trusting!);
  const conn = await plant.open();
  try {
    nodes = await conn.resolveTags(plant.sim.historianTags());
  } finally {
    await conn.close();
  }
});

afterAll(async () => {
  await plant?.cleanup();
});

describe('raw history reads', () => {
  it('pages through continuation points and returns exactly the generated samples of [from, to), the sample at `to` excluded', async () => {
    const from = FROM + 17 * MINUTE + 30_000; // between two samples
    const to = FROM + 2 * 1440 * MINUTE; // exactly on a sample, which the server would include
    const tags = ['M1.good', 'M1.scrap', 'M1.state', 'M2.good', 'M2.scrap', 'M2.state', 'M2.temp'];
    const conn = await plant.open();
    try {
      const read = await drain(conn, readNodes(...tags), { from, to }, { pageSize: 97, nodesPerRequest: 3 });
      for (const tag of tags) {
        const got = read.get(tag)!;
        const want = plant.sim.expected(tag, { from, to });
        expect(got.samples.length, tag).toBe(want.samples.length);
        expect(got.samples[0]!.ts, tag).toBe(FROM + 18 * MINUTE);
        expect(got.samples.at(-1)!.ts, tag).toBe(to - MINUTE);
        expect(got.samples, tag).toEqual(want.samples);
        expect(new Set(got.samples.map((s) => s.ts)).size, tag).toBe(got.samples.length);
        expect(got.pages, tag).toBeGreaterThan(20); // about 2,860 samples at 97 a page
        expect(got.done, tag).toBe(true);
      }
      // the simulator does hold a sample at `to`: the extract dropped it
      expect(plant.sim.expected('M1.state', { from: to, to: to + 1 }).samples).toHaveLength(1);
      expect(plant.sim.continuationPoints()).toBe(0);
    } finally {
      await conn.close();
    }
  });

  it('excludes bad and uncertain samples and counts them', async () => {
    const conn = await plant.open();
    try {
      const read = await drain(
        conn,
        readNodes('M1.temp', 'M1.good', 'M2.temp', 'M2.scrap'),
        { from: FROM, to: TO },
        { pageSize: 500, nodesPerRequest: 4 },
      );
      for (const tag of ['M1.temp', 'M1.good', 'M2.temp']) {
        const want = plant.sim.expected(tag, { from: FROM, to: TO });
        const got = read.get(tag)!;
        expect(want.bad, tag).toBeGreaterThan(10);
        expect(got.bad, tag).toBe(want.bad);
        expect(got.samples, tag).toEqual(want.samples);
        expect(got.samples.length + got.bad, tag).toBe(3 * 1440);
      }
      expect(read.get('M2.scrap')!.bad).toBe(0);
    } finally {
      await conn.close();
    }
  });

  it('releases the continuation points when the consumer stops early', async () => {
    const conn = await plant.open();
    try {
      let heldMidway = -1;
      let pages = 0;
      for await (const _page of conn.readRaw(
        readNodes('M1.good', 'M1.state', 'M2.good', 'M2.state'),
        { from: FROM, to: TO },
        { pageSize: 50, nodesPerRequest: 4 },
      )) {
        pages += 1;
        if (pages === 6) {
          heldMidway = plant.sim.continuationPoints();
          break;
        }
      }
      expect(heldMidway).toBeGreaterThan(0); // the server did hold some while we were reading
      expect(plant.sim.continuationPoints()).toBe(0);
    } finally {
      await conn.close();
    }
  });

  it('stops with InterruptedError on abort and releases its continuation points', async () => {
    const abort = new AbortController();
    const conn = await plant.open({}, abort.signal);
    try {
      let pages = 0;
      const reading = (async () => {
        for await (const _page of conn.readRaw(
          readNodes('M1.temp', 'M2.temp'),
          { from: FROM, to: TO },
          { pageSize: 40, nodesPerRequest: 2 },
        )) {
          pages += 1;
          if (pages === 3) abort.abort(new InterruptedError('shutting down'));
        }
      })();
      await expect(reading).rejects.toBeInstanceOf(InterruptedError);
      expect(plant.sim.continuationPoints()).toBe(0);
    } finally {
      await conn.close();
    }
  });

  it('resumes after a server restart in the middle of a read with no duplicate and no gap', async () => {
    const tags = ['M1.good', 'M1.temp', 'M2.state', 'M2.scrap'];
    const conn = await plant.open({ reconnectTimeoutMs: 30_000 });
    try {
      let restarted = false;
      const read = await drain(
        conn,
        readNodes(...tags),
        { from: FROM, to: TO },
        { pageSize: 300, nodesPerRequest: 2 },
        async (_page, count) => {
          if (count === 5) {
            await plant.sim.restart({ downMs: 300 });
            restarted = true;
          }
        },
      );
      expect(restarted).toBe(true);
      expect(conn.generation).toBe(2); // one reconnection
      for (const tag of tags) {
        const want = plant.sim.expected(tag, { from: FROM, to: TO });
        const got = read.get(tag)!;
        const ts = got.samples.map((s) => s.ts);
        expect(new Set(ts).size, `${tag}: duplicates`).toBe(ts.length);
        expect(got.samples, tag).toEqual(want.samples);
        expect(got.bad, tag).toBe(want.bad);
      }
      expect(plant.logLines.some((l) => l.message === 'OPC UA connection re-established')).toBe(true);
    } finally {
      await conn.close();
    }
  });

  it('gives up with a transient error when the server stays away longer than the reconnect budget', async () => {
    const conn = await plant.open({ reconnectTimeoutMs: 1_000 });
    let restarting: Promise<void> | undefined;
    try {
      const reading = drain(
        conn,
        readNodes('M1.good', 'M2.good'),
        { from: FROM, to: TO },
        { pageSize: 100, nodesPerRequest: 2 },
        (_page, count) => {
          if (count === 2) restarting = plant.sim.restart({ downMs: 2_500 }); // not awaited: the read goes on meanwhile
        },
      );
      const err = await reading.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpcuaConnectionError);
      expect(isPermanent(err)).toBe(false);
      expect((err as Error).message).toMatch(/lost the OPC UA server .* and could not reconnect within 1 s/);
    } finally {
      await restarting;
      await conn.close();
    }
  });
});

describe('a server that loops', () => {
  it('stops on a continuation point repeated without new data, and releases it', async () => {
    const requests: HistoryReadRequest[] = [];
    const value = (ts: number) =>
      new DataValue({ value: { dataType: DataType.Double, value: 1 }, sourceTimestamp: new Date(ts), serverTimestamp: new Date(ts) });
    const answer = (cp: string | null, values: DataValue[]) =>
      new HistoryReadResponse({
        results: [
          new HistoryReadResult({
            statusCode: StatusCodes.Good,
            continuationPoint: cp ? Buffer.from(cp) : undefined,
            historyData: new HistoryData({ dataValues: values }),
          }),
        ],
      });
    // a stand-in for the connection: only what readRawHistory touches
    const link = {
      settings: { endpoint: 'opc.tcp://looping:4840' },
      generation: 1,
      lost: false,
      logger: plant.logger,
      checkAborted() {},
      abortable: <T>(p: Promise<T>) => p,
      session: () => ({
        async historyRead(request: HistoryReadRequest) {
          requests.push(request);
          if (request.releaseContinuationPoints) return answer(null, []);
          return requests.length === 1 ? answer('A', [value(FROM), value(FROM + MINUTE)]) : answer('A', []);
        },
      }),
      reconnect: () => Promise.reject(new Error('not expected')),
    } as unknown as OpcuaLink;
    const pages: RawPage[] = [];
    const reading = (async () => {
      for await (const page of readRawHistory(
        link,
        [{ tag: 'loop', nodeId: 'ns=2;i=1' }],
        { from: FROM, to: TO },
        { pageSize: 2, nodesPerRequest: 1 },
      ))
        pages.push(page);
    })();
    await expect(reading).rejects.toThrow(OpcuaReadError);
    await expect(reading).rejects.toThrow(
      /tag "loop" \(ns=2;i=1\): the server returned the same continuation point again without new data/,
    );
    expect(pages.flatMap((p) => p.samples.map((s) => s.ts))).toEqual([FROM, FROM + MINUTE]);
    expect(requests.map((r) => [r.releaseContinuationPoints, r.nodesToRead![0]!.continuationPoint?.toString() ?? null])).toEqual([
      [false, null],
      [false, 'A'],
      [true, 'A'],
    ]);
    // continuations and the release repeat the very same details
    expect(requests[1]!.historyReadDetails).toBe(requests[0]!.historyReadDetails);
    expect(requests[2]!.historyReadDetails).toBe(requests[0]!.historyReadDetails);
  });
});

describe('tag resolution', () => {
  it('resolves nodeId, nsu= and browse path forms (index and nsu= prefixes) to the simulator nodes', async () => {
    const tags = plant.sim.historianTags();
    expect(
      new Set(
        tags.map((t) =>
          t.browsePath ? (t.browsePath.includes('nsu=') ? 'path-nsu' : 'path-index') : t.nodeId!.startsWith('nsu=') ? 'nsu' : 'ns',
        ),
      ),
    ).toEqual(new Set(['ns', 'nsu', 'path-index', 'path-nsu']));
    expect(historianSettingsSchema.parse({ tags }).tags).toEqual(tags); // ready to paste into the config file
    expect(plant.sim.namespaceIndex).toBe(2);
    expect(Object.fromEntries(nodes)).toEqual({
      'M1.good': 'ns=2;i=1111',
      'M1.scrap': 'ns=2;i=1112',
      'M1.state': 'ns=2;i=1113',
      'M1.temp': 'ns=2;i=1114',
      'M2.good': 'ns=2;i=2111',
      'M2.scrap': 'ns=2;i=2112',
      'M2.state': 'ns=2;i=2113',
      'M2.temp': 'ns=2;i=2114',
    });
  });

  it('refuses tags that do not resolve with one error naming each tag and its path', async () => {
    const base = { asset: 'WC-X', kind: 'analog', active: true } as const;
    const bad: TagSettings[] = [
      { ...base, name: 'ghost.path', browsePath: '/Objects/2:Plant1/2:Machine9/2:Temperature' },
      { ...base, name: 'ghost.id', nodeId: 'ns=2;i=999999' },
      { ...base, name: 'ghost.nsu', nodeId: 'nsu=urn:nowhere;s=X' },
      { ...base, name: 'fine', nodeId: 'ns=2;i=1114' },
    ];
    const conn = await plant.open();
    try {
      const err = await conn.resolveTags(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpcuaTagError);
      expect(isPermanent(err)).toBe(true);
      const message = (err as Error).message;
      expect(message).toContain('tag "ghost.path" (/Objects/2:Plant1/2:Machine9/2:Temperature): no node at this browse path');
      expect(message).toContain('tag "ghost.id" (ns=2;i=999999): node ns=2;i=999999 does not exist');
      expect(message).toContain('tag "ghost.nsu" (nsu=urn:nowhere;s=X): namespace urn:nowhere is not in the server\'s namespace array');
      expect(message).not.toContain('"fine"');
      // the extract job may prefer to read the rest and let a checkpoint name the missing ones
      expect(Object.fromEntries(await conn.resolveTags(bad, { missing: 'omit' }))).toEqual({ fine: 'ns=2;i=1114' });
    } finally {
      await conn.close();
    }
  });
});

describe('security and credentials', () => {
  it('reads over SignAndEncrypt when each side trusts the other’s certificate', async () => {
    const conn = await plant.open({
      securityMode: 'SignAndEncrypt',
      securityPolicy: 'Basic256Sha256',
      pkiDir: plant.clientPki.trusting!,
      user: 'operator',
      password: 'right-password',
    });
    try {
      const range = { from: FROM, to: FROM + 600 * MINUTE };
      const read = await drain(conn, readNodes('M1.scrap'), range, { pageSize: 250, nodesPerRequest: 1 });
      expect(read.get('M1.scrap')!.samples).toEqual(plant.sim.expected('M1.scrap', range).samples);
      expect(read.get('M1.scrap')!.samples).toHaveLength(600);
    } finally {
      await conn.close();
    }
  });

  it('refuses an untrusted server certificate, naming the file to move into trusted/certs', async () => {
    const pkiDir = plant.clientPki.untrusting!;
    const err = await plant.open({ securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', pkiDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpcuaSecurityError);
    expect(isPermanent(err)).toBe(true);
    const message = (err as Error).message;
    const file = (err as OpcuaSecurityError).context.rejectedFile as string;
    expect(file.startsWith(path.join(pkiDir, 'rejected') + path.sep)).toBe(true);
    expect(fs.existsSync(file)).toBe(true);
    expect(message).toContain(`saved as ${file}`);
    expect(message).toContain(path.join(pkiDir, 'trusted', 'certs'));
    // doing what the message says is enough
    fs.renameSync(file, path.join(pkiDir, 'trusted', 'certs', path.basename(file)));
    const conn = await plant.open({ securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', pkiDir });
    await conn.close();
  });

  it('says which client certificate to trust when the server refuses ours', async () => {
    const pkiDir = path.join(plant.dir, 'client-stranger'); // made after the server started: not in its trust list
    const mine = await clientCertificateInfo(pkiDir);
    plant.trustServer(pkiDir);
    const err = await plant.open({ securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', pkiDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpcuaSecurityError);
    expect((err as Error).message).toContain(
      `does not trust this client's certificate: ask its administrator to trust ${mine.certificateFile} (SHA-1 thumbprint ${mine.thumbprint})`,
    );
  });

  it('refuses a wrong password with a permanent error that says so', async () => {
    const err = await plant.open({ user: 'operator', password: 'wrong-password' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpcuaSecurityError);
    expect(isPermanent(err)).toBe(true);
    expect((err as Error).message).toMatch(/refused user "operator": wrong user name or password/);
    expect((err as Error).message).not.toContain('wrong-password');
    const conn = await plant.open({ user: 'operator', password: 'right-password' });
    await conn.close();
  });

  it('gives up on an unreachable server after the reconnect budget with a transient error', async () => {
    const started = Date.now();
    const err = await plant.open({ endpoint: 'opc.tcp://127.0.0.1:9', reconnectTimeoutMs: 1_500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpcuaConnectionError);
    expect(isPermanent(err)).toBe(false);
    expect((err as Error).message).toMatch(
      /cannot connect to the OPC UA server opc\.tcp:\/\/127\.0\.0\.1:9 \(tried for 2 s, \d+ attempts\)/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('says which endpoint it is connecting to and which attempt while the server is unreachable', async () => {
    plant.logLines.length = 0;
    await plant.open({ endpoint: 'opc.tcp://127.0.0.1:9', reconnectTimeoutMs: 1_500 }).catch(() => undefined);
    const info = plant.logLines.filter((l) => l.level === 'info' && String(l.message).startsWith('connecting to'));
    expect(info[0]).toMatchObject({ message: 'connecting to opc.tcp://127.0.0.1:9 (attempt 2)', attempt: 2 });
    expect(info[0]!.error).toBeTruthy();
  });
});

describe('the simulated machines', () => {
  it('have a downtime stretch, idle breaks, a counter reset and a bad stretch, the same for the same seed', () => {
    const o = { machines: 2, from: FROM, to: TO, sampleSeconds: 60, badQuality: true };
    const [m1, m2] = generatePlant(o);
    const states = Array.from(m1!.series.State.values.subarray(0, m1!.series.State.length));
    const { downtime, reset, bad } = m1!.events;
    expect(states.slice(downtime.start, downtime.end).every((v) => v === STATE_DOWN)).toBe(true);
    expect(downtime.end - downtime.start).toBe(45);
    expect(states.filter((v) => v === STATE_IDLE)).toHaveLength(3 * 30); // 12:00–12:30 each day
    expect(states.filter((v) => v === STATE_RUNNING).length).toBeGreaterThan(3 * 1440 * 0.9);
    const good = m1!.series.GoodCount.values;
    expect(good[reset]).toBeLessThan(good[reset - 1]!);
    expect(good[reset]).toBeLessThan(100);
    expect(bad).not.toBeNull();
    expect(m1!.series.Temperature.quality[bad!.start]).toBe(QUALITY_BAD_SENSOR_FAILURE);
    expect(m2!.series.GoodCount.quality.every((q) => q === 0)).toBe(true); // only machine 1's counter goes bad
    expect(generatePlant(o)[1]!.series.Temperature.values).toEqual(m2!.series.Temperature.values);
    expect(generatePlant({ ...o, seed: 8 })[1]!.series.Temperature.values).not.toEqual(m2!.series.Temperature.values);
  });
});

describe('settings', () => {
  it('asks for MFG_ETL_OPCUA_ENDPOINT when it is unset and derives the PKI folder from the data directory', () => {
    const historian = historianSettingsSchema.parse({});
    expect(() => opcuaSettings(loadConfig({}, '/tmp'), historian)).toThrow(ConfigError);
    expect(() => opcuaSettings(loadConfig({}, '/tmp'), historian)).toThrow(/MFG_ETL_OPCUA_ENDPOINT is not set: set it to/);
    const s = opcuaSettings(
      loadConfig(
        { MFG_ETL_OPCUA_ENDPOINT: 'opc.tcp://h:4840', MFG_ETL_OPCUA_SECURITY_MODE: 'SignAndEncrypt', MFG_ETL_DATA_DIR: '/var/mfg' },
        '/tmp',
      ),
      historian,
    );
    expect(s).toMatchObject({
      endpoint: 'opc.tcp://h:4840',
      securityMode: 'SignAndEncrypt',
      securityPolicy: 'Basic256Sha256',
      pkiDir: '/var/mfg/pki',
      acceptUnknownServerCertificate: false,
    });
  });
});
