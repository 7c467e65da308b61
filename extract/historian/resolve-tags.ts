/**
 * Tag → NodeId. A tag names its node by NodeId ("ns=2;i=1111", "nsu=<uri>;s=Machine1.Good") or by
 * browse path from the Root folder ("/Objects/2:Plant1/2:Machine1/2:ScrapCount", where a segment's
 * prefix is a namespace index or "nsu=<uri>;"). Namespace URIs are looked up in the server's
 * namespace array, browse paths go through one TranslateBrowsePathsToNodeIds call, and every
 * node is checked to exist with one Read, so a wrong tag map fails before any history is read.
 */
import { AttributeIds, type BrowsePath, NodeId, resolveNodeId, StatusCodes } from 'node-opcua-client';
import type { TagSettings } from '../../core/config/historian.ts';
import type { OpcuaLink } from './connection.ts';
import { OpcuaTagError } from './settings.ts';

/** HierarchicalReferences (i=33): Organizes, HasComponent, HasProperty… all lead down a browse path */
const HIERARCHICAL_REFERENCES = resolveNodeId('i=33');
const ROOT_FOLDER = resolveNodeId('i=84');
/** servers cap operations per request; stay well under the usual limits */
const CHUNK = 200;

export interface PathSegment {
  /** a namespace index, or the URI to look up */
  namespace: number | { uri: string };
  name: string;
}

/** Splits "/Objects/2:Plant1/nsu=urn:x;Machine1" into segments; a nsu= URI may itself hold slashes. */
export function parseBrowsePath(browsePath: string): PathSegment[] {
  if (!browsePath.startsWith('/')) throw new Error('a browse path starts with "/"');
  const segments: PathSegment[] = [];
  let i = 1;
  while (i <= browsePath.length) {
    let namespace: PathSegment['namespace'] = 0;
    if (browsePath.startsWith('nsu=', i)) {
      const semi = browsePath.indexOf(';', i);
      if (semi < 0) throw new Error(`"nsu=" without ";" after the namespace URI at position ${i}`);
      namespace = { uri: browsePath.slice(i + 4, semi) };
      i = semi + 1;
    }
    let end = browsePath.indexOf('/', i);
    if (end < 0) end = browsePath.length;
    let name = browsePath.slice(i, end);
    if (typeof namespace === 'number') {
      const m = /^(\d+):(.*)$/s.exec(name);
      if (m) {
        namespace = Number(m[1]);
        name = m[2]!;
      }
    }
    if (name === '') throw new Error(`empty segment at position ${i}`);
    segments.push({ namespace, name });
    i = end + 1;
  }
  return segments;
}

function namespaceIndex(namespaces: readonly string[], uri: string): number | undefined {
  const index = namespaces.indexOf(uri);
  return index < 0 ? undefined : index;
}

interface Failure {
  tag: string;
  ref: string;
  reason: string;
}

function tagError(failures: Failure[], endpoint: string): OpcuaTagError {
  const lines = failures.map((f) => `tag "${f.tag}" (${f.ref}): ${f.reason}`);
  const head = failures.length === 1 ? lines[0]! : `${failures.length} tags do not resolve on ${endpoint}:\n  ${lines.join('\n  ')}`;
  return new OpcuaTagError(failures.length === 1 ? `${head} on ${endpoint}` : head, { context: { endpoint, tags: failures } });
}

export interface ResolveOptions {
  /** throw (default): one OpcuaTagError listing every tag that does not resolve; omit: leave them out of the map, with a warning */
  missing?: 'throw' | 'omit';
}

/** Tag name → NodeId string ("ns=2;i=1111"). */
export async function resolveTags(link: OpcuaLink, tags: readonly TagSettings[], o: ResolveOptions = {}): Promise<Map<string, string>> {
  const failures: Failure[] = [];
  const resolved = new Map<string, NodeId>();
  // browse path results may name their namespace by URI too
  const needsNamespaces = tags.some((t) => t.nodeId?.startsWith('nsu=') || t.browsePath !== undefined);
  const namespaces: string[] = needsNamespaces ? await link.run((s) => s.readNamespaceArray()) : [];

  const paths: { tag: TagSettings; path: NonNullable<ConstructorParameters<typeof BrowsePath>[0]> }[] = [];
  for (const tag of tags) {
    const ref = tag.nodeId ?? tag.browsePath ?? '';
    try {
      if (tag.nodeId !== undefined) {
        const nsu = /^nsu=(.+?);([isgb]=.*)$/s.exec(tag.nodeId);
        if (nsu) {
          const index = namespaceIndex(namespaces, nsu[1]!);
          if (index === undefined) {
            failures.push({ tag: tag.name, ref, reason: `namespace ${nsu[1]} is not in the server's namespace array` });
            continue;
          }
          resolved.set(tag.name, resolveNodeId(`ns=${index};${nsu[2]}`));
        } else {
          resolved.set(tag.name, resolveNodeId(tag.nodeId));
        }
      } else {
        const segments = parseBrowsePath(tag.browsePath!);
        const unknown = segments.find((g) => typeof g.namespace !== 'number' && namespaceIndex(namespaces, g.namespace.uri) === undefined);
        if (unknown) {
          failures.push({
            tag: tag.name,
            ref,
            reason: `namespace ${(unknown.namespace as { uri: string }).uri} is not in the server's namespace array`,
          });
          continue;
        }
        const elements = segments.map((g) => ({
          referenceTypeId: HIERARCHICAL_REFERENCES,
          isInverse: false,
          includeSubtypes: true,
          targetName: {
            namespaceIndex: typeof g.namespace === 'number' ? g.namespace : namespaceIndex(namespaces, g.namespace.uri)!,
            name: g.name,
          },
        }));
        paths.push({ tag, path: { startingNode: ROOT_FOLDER, relativePath: { elements } } });
      }
    } catch (err) {
      failures.push({
        tag: tag.name,
        ref,
        reason: `not a valid ${tag.nodeId !== undefined ? 'NodeId' : 'browse path'}: ${(err as Error).message}`,
      });
    }
  }

  for (let i = 0; i < paths.length; i += CHUNK) {
    const chunk = paths.slice(i, i + CHUNK);
    const results = await link.run((s) => s.translateBrowsePath(chunk.map((p) => p.path)));
    chunk.forEach(({ tag }, k) => {
      const result = results[k];
      const target = result?.targets?.[0];
      if (!result || result.statusCode.isNotGood() || !target) {
        const status = result?.statusCode;
        const reason = status?.equals(StatusCodes.BadNoMatch)
          ? 'no node at this browse path'
          : `browse path not resolved (${status?.toString() ?? 'no result'})`;
        failures.push({ tag: tag.name, ref: tag.browsePath!, reason });
        return;
      }
      // a target on another server (remainingPathIndex set) is out of reach of this session
      if (target.remainingPathIndex !== 0xffffffff) {
        failures.push({ tag: tag.name, ref: tag.browsePath!, reason: 'the path leads to a node on another server' });
        return;
      }
      const id = target.targetId;
      const index = id.namespaceUri ? namespaceIndex(namespaces, id.namespaceUri) : id.namespace;
      if (index === undefined) {
        failures.push({
          tag: tag.name,
          ref: tag.browsePath!,
          reason: `the server answered a node in namespace ${id.namespaceUri}, which its namespace array lacks`,
        });
        return;
      }
      resolved.set(tag.name, new NodeId(id.identifierType, id.value, index));
    });
  }

  // one Read of NodeClass per node: a NodeId that parses but names nothing fails here, by tag
  const entries = [...resolved.entries()];
  for (let i = 0; i < entries.length; i += CHUNK) {
    const chunk = entries.slice(i, i + CHUNK);
    const values = await link.run((s) => s.read(chunk.map(([, nodeId]) => ({ nodeId, attributeId: AttributeIds.NodeClass }))));
    chunk.forEach(([name, nodeId], k) => {
      const status = values[k]?.statusCode;
      if (!status || status.isNotGood()) {
        const tag = tags.find((t) => t.name === name)!;
        const reason = status?.equals(StatusCodes.BadNodeIdUnknown)
          ? `node ${nodeId.toString()} does not exist on the server`
          : `node ${nodeId.toString()} cannot be read (${status?.toString() ?? 'no result'})`;
        failures.push({ tag: name, ref: tag.nodeId ?? tag.browsePath ?? '', reason });
        resolved.delete(name);
      }
    });
  }

  if (failures.length > 0) {
    const order = new Map(tags.map((t, i) => [t.name, i]));
    failures.sort((a, b) => order.get(a.tag)! - order.get(b.tag)!);
    const err = tagError(failures, link.settings.endpoint);
    if (o.missing !== 'omit') throw err;
    link.logger.warn(err.message, { endpoint: link.settings.endpoint, tags: failures });
  }
  const out = new Map<string, string>();
  for (const t of tags) {
    const nodeId = resolved.get(t.name);
    if (nodeId) out.set(t.name, nodeId.toString());
  }
  return out;
}
