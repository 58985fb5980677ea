export interface CallMeta {
  remoteIp?: string;
  userAgent?: string;
  requestId?: string;
}
