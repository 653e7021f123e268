// The WebSocket close codes the service sends (RFC 6455, section 7.4.1), and the reason it gives when it stops.
export const CloseCode = {
  /** The service is stopping. */
  GOING_AWAY: 1001,
  /** The client broke the service's rules too often. */
  POLICY_VIOLATION: 1008,
  /** A frame larger than the service reads. */
  MESSAGE_TOO_BIG: 1009,
  /** The service failed. */
  INTERNAL_ERROR: 1011,
  /** Something the service needs is unreachable for now: the client may try again later. */
  TRY_AGAIN_LATER: 1013
} as const

export const SERVER_STOPPING = 'server stopping'
