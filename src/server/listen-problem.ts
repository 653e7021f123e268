// Why the server could not listen, in one line as the configuration's problems are told: a port in use, one that
// needs privileges, an address not of this machine; anything else with its own message.

/** What stopped a listen on `host`:`port` with `error`. */
export function listenProblem (error: NodeJS.ErrnoException, host: string, port: number): string {
  switch (error.code) {
    case 'EADDRINUSE': return `Cannot listen: PORT ${port} is in use on ${host}`
    case 'EACCES': return `Cannot listen: PORT ${port} on ${host} needs privileges this process does not have`
    case 'EADDRNOTAVAIL': return `Cannot listen: HOST ${host} is not an address of this machine`
    default: return `Cannot listen on ${host}:${port}: ${error.message}`
  }
}
