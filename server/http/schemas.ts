import { z } from 'zod';

export const errorBodySchema = z.object({
  statusCode: z.number(),
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
  requestId: z.string(),
});

/** Documented error answers for OpenAPI. */
export const errors = (...codes: (400 | 401 | 403 | 404 | 409 | 412 | 429)[]) =>
  Object.fromEntries([401, ...codes].map((c) => [c, errorBodySchema])) as Record<number, typeof errorBodySchema>;

export const idParams = z.object({ id: z.string() });
