// Entry of the thread that reads the head of an upload: tsx's loader is per thread, so it is registered here.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
