// One list of error codes and their HTTP statuses, shared by the server, the web app and the CLI.
export const errorStatus = {
  VALIDATION: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  INVALID_CODE: 401,
  FORBIDDEN: 403,
  CSRF: 403,
  PORTAL_DISABLED: 403,
  // portal refusals name the team setting or the contact permission that is off
  ALLOW_PORTAL_COMMENTS_OFF: 403,
  CAN_POST_COMMENTS_OFF: 403,
  ALLOW_CONTACTS_CLOSE_TICKETS_OFF: 403,
  CAN_CLOSE_TICKETS_OFF: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  // a form cannot be assigned to the one contact asked for: why (the same codes name refused contacts of a bulk assignment)
  contact_inactive: 409,
  no_portal_access: 409,
  portal_disabled: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface ErrorDetail {
  path: string;
  message: string;
}

/** The JSON body of every error answer (SPEC §10). */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  details?: unknown;
  requestId: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, details?: unknown, headers?: Record<string, string>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
    this.headers = headers;
  }

  get statusCode(): number {
    return errorStatus[this.code];
  }
}

export const notFound = (what = 'Resource') => new AppError('NOT_FOUND', `${what} not found`);
export const forbidden = (message: string) => new AppError('FORBIDDEN', message);
export const validationError = (details: ErrorDetail[], message = 'Invalid input') => new AppError('VALIDATION', message, details);
