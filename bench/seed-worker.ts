// Worker thread of bench/seed.ts: turns chunk requests into COPY text. Started through lib/ts-worker.mjs.
import { parentPort, workerData } from 'node:worker_threads';
import { contactInput } from '#shared/contact.schema.ts';
import { createUniverse } from './lib/contact-gen.ts';
import { buildRow, copyLine } from './lib/copy-rows.ts';

export interface SeedWorkerData {
  entry: string;
  seed: number;
  now: number;
  teamIds: string[];
  regions: string[];
  keys: string[];
  thread: number;
  threads: number;
}
export interface ChunkRequest {
  index: number;
  teams: Uint16Array;
}
export interface ChunkResult {
  index: number;
  text: string;
  rows: number;
}

const data = workerData as SeedWorkerData;
const universe = createUniverse(data.seed, data.now);
const seen = new Map<string, number>();

parentPort!.on('message', (m: ChunkRequest) => {
  try {
    const contacts = universe.chunk(m.index, m.teams, seen, data.thread, data.threads);
    let text = '';
    for (let i = 0; i < contacts.length; i++) {
      const c = contacts[i]!;
      // what the API would accept (checked on a sample: the schema costs as much as building the row)
      if (i % 32 === 0) contactInput.parse(c.input);
      text += copyLine(buildRow(c, data.teamIds[c.team]!, data.regions[c.team]!), data.keys);
    }
    parentPort!.postMessage({ index: m.index, text, rows: contacts.length } satisfies ChunkResult);
  } catch (err) {
    parentPort!.postMessage({ index: m.index, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
