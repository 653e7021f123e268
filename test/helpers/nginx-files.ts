// A local nginx's files, for the tests (test/nginx.ts) and the benchmark of replicas (bench/lib/replica-set.ts): the
// project's proxy settings (deploy/nginx/http.conf, server.conf) and upstream (deploy/nginx/upstream.conf, its server
// line swapped for local addresses), or a configuration of a test's own (the strangler fig's), behind a main file for
// a process of its own on a loopback port, its files in a folder.
import { spawnSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { join } from 'node:path'

export const NGINX_DIR = join(import.meta.dirname, '..', '..', 'deploy', 'nginx')

/** nginx's command: on the path, or in /usr/sbin, which a user's path may lack; undefined when not installed. */
export function nginxCommand (): string | undefined {
  return ['nginx', '/usr/sbin/nginx'].find((candidate) => spawnSync(candidate, ['-v']).error === undefined)
}

/**
 * deploy/nginx/upstream.conf with its one server line (compose's `app:3000`, looked up again as it changes) made one
 * line per address, with the same parameters; `resolve` dropped, as the addresses are fixed (and nginx 1.22 has none).
 */
async function upstreamFor (addresses: string[]): Promise<string> {
  const text = await readFile(join(NGINX_DIR, 'upstream.conf'), 'utf8')
  const serverLine = /^(\s*)server app:3000 resolve([^;]*);$/m
  if (!serverLine.test(text)) {
    throw new Error('deploy/nginx/upstream.conf has no line `server app:3000 resolve ...;` to swap')
  }
  return text.replace(serverLine, (_, indent: string, parameters: string) =>
    addresses.map((address) => `${indent}server ${address}${parameters};`).join('\n'))
}

/**
 * The main file, as deploy/nginx/nginx.conf but for a process of this machine's: in the foreground, its pid, access log
 * and temporary files in `dir` (nginx creates every temporary folder at start, where the package's defaults need root),
 * workers as the current user, with `workerConnections` connections a worker, and `http` in its http block.
 */
function mainFile (dir: string, workerConnections: number, http: string): string {
  const asRoot = process.getuid?.() === 0
  const temporaryPaths = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `    ${kind}_temp_path ${join(dir, kind)};`).join('\n')
  return `daemon off;
pid ${join(dir, 'nginx.pid')};
${asRoot ? `user ${userInfo().username};` : ''}
worker_processes auto;
events {
    worker_connections ${workerConnections};
}
error_log stderr warn;

http {
${temporaryPaths}
${http}
}
`
}

/** One line of the access log (deploy/nginx/http.conf's format). */
export interface AccessLine {
  request_id: string
  method: string
  uri: string
  status: number
  /** The replicas tried, in order, comma-separated: more than one when a retry moved the request on. */
  upstream: string
  upstream_status: string
}

export interface NginxFiles {
  /** nginx's arguments: its folder, its main file, its errors to stderr. */
  args: string[]
  /** Its access log, a JSON line a request (deploy/nginx/http.conf's format), written as each request ends. */
  accessLog: string
}

/**
 * Writes into `dir` the files of an nginx listening on 127.0.0.1:`port` in front of `upstreams` (host:port each);
 * `workerConnections` a worker (4096 unless said: each request holds two, the client's and the upstream's).
 */
export async function writeNginxFiles (
  dir: string,
  port: number,
  upstreams: string[],
  workerConnections = 4096
): Promise<NginxFiles> {
  await writeFile(join(dir, 'upstream.conf'), await upstreamFor(upstreams))
  const main = join(dir, 'nginx.conf')
  // The project's proxy settings and upstream, listening on loopback only.
  await writeFile(main, mainFile(dir, workerConnections, `    include ${join(NGINX_DIR, 'http.conf')};
    access_log ${join(dir, 'access.log')} replicas;
    include ${join(dir, 'upstream.conf')};

    server {
        listen 127.0.0.1:${port};
        include ${join(NGINX_DIR, 'server.conf')};
    }`))
  return { args: ['-p', dir, '-c', main, '-e', 'stderr'], accessLog: join(dir, 'access.log') }
}

/** Writes into `dir` the files of an nginx whose http block is `config` (its own server and upstreams) alone. */
export async function writeConfigFiles (dir: string, config: string): Promise<NginxFiles> {
  await writeFile(join(dir, 'config.conf'), config)
  const main = join(dir, 'nginx.conf')
  await writeFile(main, mainFile(dir, 1024, `    access_log ${join(dir, 'access.log')};
    include ${join(dir, 'config.conf')};`))
  return { args: ['-p', dir, '-c', main, '-e', 'stderr'], accessLog: join(dir, 'access.log') }
}
