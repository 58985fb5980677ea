/** The JSON envelope every `/api/*` response uses; scripts and the add-on rely on its shape. */
export interface SuccessEnvelope<T> {
  success: true;
  message: string;
  timestamp: string;
  data: T;
}

export interface ErrorEnvelope {
  success: false;
  message: string;
  timestamp: string;
  error: { code: string; requestId?: string };
  details?: unknown;
}

export type Envelope<T> = SuccessEnvelope<T> | ErrorEnvelope;

export function successEnvelope<T>(data: T, message = 'ok', now = new Date()): SuccessEnvelope<T> {
  return { success: true, message, timestamp: now.toISOString(), data };
}

export function errorEnvelope(
  code: string,
  message: string,
  details?: unknown,
  requestId?: string,
  now = new Date(),
): ErrorEnvelope {
  const envelope: ErrorEnvelope = {
    success: false,
    message,
    timestamp: now.toISOString(),
    error: requestId ? { code, requestId } : { code },
  };
  if (details !== undefined) envelope.details = details;
  return envelope;
}
