// Chat: 1,000 WebSockets in the room of GET /chat, on the service and on its baseline (bare Fastify and
// @fastify/websocket, a room that sends each frame to every socket), the two taking turns, a fresh process of each every
// round. What each socket costs in memory, and how long a message takes to reach every socket, from its sender's send
// to each socket's receipt, over messages sent one after another from different senders. The sockets are a client
// process of their own (bench/clients/), on the load generator's CPU, as wrk is. Needs the service's chat; without it
// (a 404) the scenario says so and is skipped.
import { join } from 'node:path'
import { freePort, startServer, stopServer } from './processes.js'
import { acrossRounds, delivery, middle, perConnection, ratio, serverMemory, settle, startClient, takeTurns, type Client, type Delivery, type Memory, type Run } from './scenario.js'
import { chatBaseline, type Target } from './targets.js'

const CLIENT = join(import.meta.dirname, '..', 'clients', 'chat-room.ts')
export const SOCKETS = 1000
/** Messages whose delivery is measured in each round, each from another sender: one each, far under CHAT_RATE_PER_10S. */
export const MESSAGES = 20

/** One target's round, on a fresh process. */
export interface ChatRound {
  /** Sockets that got into the room (their history arrived; in the baseline's, they opened), and those that did not. */
  opened: number
  failed: number
  /** From the first connect to the last socket in the room, in ms. */
  connectMs: number
  /** From the first connect until every socket had seen everyone's join (the baseline's room has none: until all were in), in ms; null if not within a minute. */
  joinedMs: number | null
  memory: { idle: Memory, open: Memory }
  /** (Sockets in the room − idle) ÷ sockets. */
  perSocket: Memory
  /** Each message measured: its sender, the sockets it reached, and when its last socket got it. */
  messages: Array<{ from: string, received: number, lastMs: number }>
  /** Over every (socket, message) pair: from the sender's send to the socket's receipt. */
  delivery: Delivery
  /** Sockets the server closed meanwhile, and error frames it sent. */
  closedByServer: number
  errors: number
}

/** One target over the rounds. */
export interface ChatTarget {
  rounds: ChatRound[]
  /** The memory per socket of the round whose resident memory per socket is the median. */
  perSocket: Memory
  /** The rounds' deliveries together: each percentile the median of the rounds'. */
  delivery: Delivery
}

export type ChatResult =
  | { skipped: string }
  | {
    sockets: number
    /** Rounds, and messages measured in each. */
    rounds: number
    messagesPerRound: number
    service: ChatTarget
    baseline: ChatTarget
    /** The service's figure over the baseline's (null where the baseline's is 0). */
    ratios: { rssPerSocket: number | null, lastP50: number | null, lastP99: number | null }
  }

interface Joined { opened: number, failed: number, connectMs: number, joinedMs: number | null }
interface Delivered { sockets: number, closedByServer: number, errors: number, messages: Array<{ from: string, latenciesMs: number[] }> }

/** The scenario's scale: the test's tiny run, or the full one. */
interface Scale { sockets: number, messages: number }

/** Thrown by the service's first round when it has no GET /chat: the service without its chat. */
class NoChat extends Error {}

/** A round on a fresh process of `target`: its memory idle and with the sockets in the room, then the messages' way to them. */
async function chatRound (run: Run, { sockets, messages }: Scale, target: Target, round: number, service: boolean): Promise<ChatRound> {
  const running = await startServer(target)
  let client: Client | undefined
  try {
    if (service) {
      const probe = await fetch(`http://127.0.0.1:${target.port}/chat?name=probe`)
      await probe.arrayBuffer()
      if (probe.status === 404) throw new NoChat('the service has no GET /chat (the chat room) to join')
    }
    await settle(run, 1000)
    const idle = await serverMemory(target, running, service)

    console.error(`# chat: ${target.name}, round ${round + 1} of ${run.rounds}: ${sockets} sockets join the room`)
    client = startClient(CLIENT, [target.port, sockets, messages, ...(service ? [] : ['plain'])])
    const joined = await client.next<Joined>()
    if (joined.opened === 0) throw new Error(`no socket got into the chat room of the ${target.name} (${joined.failed} failed)`)
    await settle(run, 1000)
    const open = await serverMemory(target, running, service)

    console.error(`# chat: ${target.name}: ${joined.opened} sockets in the room; ${messages} messages, one after another`)
    client.cue()
    const delivered = await client.next<Delivered>()
    return {
      opened: joined.opened,
      failed: joined.failed,
      connectMs: joined.connectMs,
      joinedMs: joined.joinedMs,
      memory: { idle, open },
      perSocket: perConnection(idle, open, joined.opened),
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

/** A target's figures over its rounds. */
function overRounds (rounds: ChatRound[]): ChatTarget {
  return {
    rounds,
    perSocket: middle(rounds, (round) => round.perSocket.rssKb).perSocket,
    delivery: acrossRounds(rounds.map((round) => round.delivery))
  }
}

export async function chat (run: Run): Promise<ChatResult> {
  const scale: Scale = run.smoke ? { sockets: 20, messages: 5 } : { sockets: SOCKETS, messages: MESSAGES }
  let turns: Record<'service' | 'baseline', ChatRound[]>
  try {
    // The service first: without its chat, its first round ends the scenario before the baseline's.
    turns = await takeTurns(run, {
      service: async (round) => await chatRound(run, scale, run.service(await freePort()), round, true),
      baseline: async (round) => await chatRound(run, scale, chatBaseline(await freePort()), round, false)
    })
  } catch (error) {
    if (error instanceof NoChat) return { skipped: error.message }
    throw error
  }
  const service = overRounds(turns.service)
  const baseline = overRounds(turns.baseline)
  return {
    sockets: scale.sockets,
    rounds: run.rounds,
    messagesPerRound: scale.messages,
    service,
    baseline,
    ratios: {
      rssPerSocket: ratio(service.perSocket.rssKb, baseline.perSocket.rssKb),
      lastP50: ratio(service.delivery.lastP50Ms, baseline.delivery.lastP50Ms),
      lastP99: ratio(service.delivery.lastP99Ms, baseline.delivery.lastP99Ms)
    }
  }
}
