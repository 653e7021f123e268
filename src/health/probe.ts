// What the probes' routes share: cheap, exempt from load shedding and rate limits, and out of the access log.
export const PROBE_OPTIONS = {
  // Their access lines are written at info, so this leaves them out of the log; errors still reach it.
  logLevel: 'warn',
  // Under pressure, the route still runs: liveness is not about load, and readiness reports the pressure itself.
  config: { pressureHandler: () => undefined, rateLimit: false }
} as const
