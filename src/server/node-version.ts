// Imported first by src/server.ts: on a Node older than package.json's engines, the process stops at once with one
// line naming the Node it needs, before any module that needs a newer one is loaded.
export const REQUIRED_NODE = '22.19.0'

/** Whether version `found` ("22.18.1") is older than `required`: each part below 1000, as Node's are. */
export function isOlder (found: string, required: string): boolean {
  const rank = (version: string): number => version.split('.').reduce((sum, part) => sum * 1000 + Number(part), 0)
  return rank(found) < rank(required)
}

if (isOlder(process.versions.node, REQUIRED_NODE)) {
  console.error(`async-service needs Node ${REQUIRED_NODE} or later; this is Node ${process.versions.node}.`)
  process.exit(1)
}
