// Chat: 1,000 WebSockets in the room of GET /chat on one service. What each socket costs in memory, and how long a
// message takes to reach every socket, from its sender's send to each socket's receipt, over messages sent one after
// another from different senders. The sockets are a client process of their own (bench/clients/), on the load
// generator's CPU, as wrk is. Needs the chat; without it (a 404) the scenario says so and is skipped.
import { join } from 'node:path'
import { freePort, startServer, stopServer } from './processes.js'
import { delivery, serviceMemory, settle, startClient, type Client, type Delivery, type Memory, type Run } from './scenario.js'

const CLIENT = join(import.meta.dirname, '..', 'clients', 'chat-room.ts')
export const SOCKETS = 1000
/** Messages whose delivery is measured, each from another sender: one each, far under CHAT_RATE_PER_10S. */
export const MESSAGES = 20

export type ChatResult =
  | { skipped: string }
  | {
    sockets: number
    /** Sockets that got into the room (their history arrived), and those that did not. */
    opened: number
    failed: number
    /** From the first connect to the last socket in the room, in ms. */
    connectMs: number
    /** From the first connect until every socket had seen everyone's join, in ms; null if not within a minute. */
    joinedMs: number | null
    memory: { idle: Memory, open: Memory }
    /** (Sockets in the room − idle) ÷ sockets, in KB. */
    rssPerSocketKb: number
    heapPerSocketKb: number
    /** Each message measured: its sender, the sockets it reached, and when its last socket got it. */
    messages: Array<{ from: string, received: number, lastMs: number }>
    /** Over every (socket, message) pair: from the sender's send to the socket's receipt. */
    delivery: Delivery
    /** Sockets the service closed meanwhile, and error frames it sent. */
    closedByServer: number
    errors: number
  }

interface Joined { opened: number, failed: number, connectMs: number, joinedMs: number | null }
interface Delivered { sockets: number, closedByServer: number, errors: number, messages: Array<{ from: string, latenciesMs: number[] }> }

export async function chat (run: Run): Promise<ChatResult> {
  const sockets = run.smoke ? 20 : SOCKETS
  const messages = run.smoke ? 5 : MESSAGES
  const target = run.service(await freePort())
  const running = await startServer(target)
  let client: Client | undefined
  try {
    const probe = await fetch(`http://127.0.0.1:${target.port}/chat?name=probe`)
    await probe.arrayBuffer()
    if (probe.status === 404) return { skipped: 'the service has no GET /chat (the chat room) to join' }
    await settle(run, 1000)
    const idle = await serviceMemory(target, running)

    console.error(`# chat: ${sockets} sockets join the room`)
    client = startClient(CLIENT, [target.port, sockets, messages])
    const joined = await client.next<Joined>()
    if (joined.opened === 0) throw new Error(`no socket got into the chat room (${joined.failed} failed)`)
    await settle(run, 1000)
    const open = await serviceMemory(target, running)

    console.error(`# chat: ${joined.opened} sockets in the room; ${messages} messages, one after another`)
    client.cue()
    const delivered = await client.next<Delivered>()
    return {
      sockets,
      opened: joined.opened,
      failed: joined.failed,
      connectMs: joined.connectMs,
      joinedMs: joined.joinedMs,
      memory: { idle, open },
      rssPerSocketKb: (open.rssKb - idle.rssKb) / joined.opened,
      heapPerSocketKb: (open.heapUsedKb - idle.heapUsedKb) / joined.opened,
      messages: delivered.messages.map(({ from, latenciesMs }) => ({ from, received: latenciesMs.length, lastMs: Math.max(0, ...latenciesMs) })),
      delivery: delivery(delivered.messages.map(({ latenciesMs }) => latenciesMs), joined.opened),
      closedByServer: delivered.closedByServer,
      errors: delivered.errors
    }
  } finally {
    await client?.stop()
    await stopServer(running)
  }
}
