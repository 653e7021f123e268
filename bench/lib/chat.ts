// Chat: 1,000 WebSockets in the room of GET /chat, on the service and on its baseline (bare Fastify and
// @fastify/websocket, a room that sends each frame to every socket), the two taking turns, a fresh process of each
// every round. What each socket costs in memory, and how long a message takes to reach every socket, from its sender's
// send to each socket's receipt, over messages sent one after another from different senders. The sockets are a client
// process of their own (bench/clients/), on the load generator's CPU, as wrk is. Needs the service's chat; without it
// (a 404) the scenario says so and is skipped.
import { join } from 'node:path'
import { freePort, startServer, stopServer } from './processes.ts'
import {
  acrossRounds, delivery, middle, perConnection, ratio, serverMemory, settle, startClient, takeTurns, type Delivery,
  type Memory, type Run
} from './scenario.ts'
import { chatBaseline, type Target } from './targets.ts'

const CLIENT = join(import.meta.dirname, '..', 'clients', 'chat-room.ts')
export const SOCKETS = 1000
/**
 * Messages whose delivery is measured in each round, each from another sender: one each, far under CHAT_RATE_PER_10S.
 */
export const MESSAGES = 20

/** One target's round, on a fresh process. */
export interface ChatRound {
  /** Sockets that got into the room (their history arrived; in the baseline's, they opened), and those that did not. */
  opened: number
  failed: number
  /** From the first connect to the last socket in the room, in ms. */
  connectMs: number
  /**
   * From the first connect until every socket had seen everyone's join (the baseline's room has none: until all were
   * in), in ms; null if not within a minute.
   */
  joinedMs: number | null
  memory: { idle: Memory, open: Memory }
  /** (Sockets in the room − idle) ÷ sockets. */
  perSocket: Memory
  /** Sockets each server counted in the room, where the servers say (replicas behind a proxy). */
  counted?: number[]
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
    /** The service's figure over the baseline's. */
    ratios: ChatRatios
  }

interface Joined { opened: number, failed: number, connectMs: number, joinedMs: number | null }
interface Delivered {
  sockets: number
  closedByServer: number
  errors: number
  messages: Array<{ from: string, latenciesMs: number[] }>
}

/** The scenario's scale: the test's tiny run, or the full one. */
export interface ChatScale { sockets: number, messages: number }

/** The chat's scale in `run`: 20 sockets and 5 messages in the test's tiny run. */
export const chatScale = (run: Run): ChatScale =>
  run.smoke ? { sockets: 20, messages: 5 } : { sockets: SOCKETS, messages: MESSAGES }

/** A room to measure: where its sockets join, what its servers are. */
export interface Room {
  /** Its name in the log. */
  name: string
  port: number
  /** A room that greets no one (the baseline's): a socket is in it once open. */
  plain: boolean
  /** The memory of the processes serving the room, now. */
  memory: () => Promise<Memory>
  /** What the servers count in the room once the sockets are in: how many each holds, where they say. */
  counted?: () => Promise<number[]>
}

/** Thrown by the service's first round when it has no GET /chat: the service without its chat. */
class NoChat extends Error {}

/**
 * A round in `room`, whose servers started afresh: their memory idle and with the sockets in the room, then the
 * messages' way to them. The sockets leave at the end; the servers stay.
 */
export async function roomRound (
  run: Run,
  { sockets, messages }: ChatScale,
  room: Room,
  round: number
): Promise<ChatRound> {
  await settle(run, 1000)
  const idle = await room.memory()

  console.error(`# chat: ${room.name}, round ${round + 1} of ${run.rounds}: ${sockets} sockets join the room`)
  const client = startClient(CLIENT, [room.port, sockets, messages, ...(room.plain ? ['plain'] : [])])
  try {
    const joined = await client.next<Joined>()
    if (joined.opened === 0) {
      throw new Error(`no socket got into the chat room of the ${room.name} (${joined.failed} failed)`)
    }
    await settle(run, 1000)
    const open = await room.memory()
    const counted = await room.counted?.()

    console.error(`# chat: ${room.name}: ${joined.opened} sockets in the room; ${messages} messages, one after another`)
    client.cue()
    const delivered = await client.next<Delivered>()
    return {
      opened: joined.opened,
      failed: joined.failed,
      connectMs: joined.connectMs,
      joinedMs: joined.joinedMs,
      memory: { idle, open },
      perSocket: perConnection(idle, open, joined.opened),
      ...(counted === undefined ? {} : { counted }),
      messages: delivered.messages.map(({ from, latenciesMs }) => ({
        from,
        received: latenciesMs.length,
        lastMs: Math.max(0, ...latenciesMs)
      })),
      delivery: delivery(delivered.messages.map(({ latenciesMs }) => latenciesMs), joined.opened),
      closedByServer: delivered.closedByServer,
      errors: delivered.errors
    }
  } finally {
    await client.stop()
  }
}

/** A round on a fresh process of `target`, the service (`service`, whose chat it probes first) or a baseline. */
export async function chatRound (
  run: Run,
  scale: ChatScale,
  target: Target,
  round: number,
  service: boolean
): Promise<ChatRound> {
  const running = await startServer(target)
  try {
    if (service) {
      const probe = await fetch(`http://127.0.0.1:${target.port}/chat?name=probe`)
      await probe.arrayBuffer()
      if (probe.status === 404) throw new NoChat('the service has no GET /chat (the chat room) to join')
    }
    const memory = async (): Promise<Memory> => await serverMemory(target, running, service)
    return await roomRound(run, scale, { name: target.name, port: target.port, plain: !service, memory }, round)
  } finally {
    await stopServer(running)
  }
}

/** A target's figures over its rounds. */
export function overRounds (rounds: ChatRound[]): ChatTarget {
  return {
    rounds,
    perSocket: middle(rounds, (round) => round.perSocket.rssKb).perSocket,
    delivery: acrossRounds(rounds.map((round) => round.delivery))
  }
}

export async function chat (run: Run): Promise<ChatResult> {
  const scale = chatScale(run)
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
  return { ...compared(run, scale, service, baseline), service, baseline }
}

/**
 * Figures compared: memory per socket, a message to its last socket (p50, p99); the first target's over the second's
 * (null where that is 0).
 */
export interface ChatRatios { rssPerSocket: number | null, lastP50: number | null, lastP99: number | null }

/** What two targets measured alike share: the scale, and the ratios of `first`'s figures over `second`'s. */
export function compared (
  run: Run,
  scale: ChatScale,
  first: ChatTarget,
  second: ChatTarget
): { sockets: number, rounds: number, messagesPerRound: number, ratios: ChatRatios } {
  return {
    sockets: scale.sockets,
    rounds: run.rounds,
    messagesPerRound: scale.messages,
    ratios: {
      rssPerSocket: ratio(first.perSocket.rssKb, second.perSocket.rssKb),
      lastP50: ratio(first.delivery.lastP50Ms, second.delivery.lastP50Ms),
      lastP99: ratio(first.delivery.lastP99Ms, second.delivery.lastP99Ms)
    }
  }
}
