// Entry of a worker thread that runs a TypeScript module (tsx's loader is per thread).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
