// The task the CPU pool's worker threads run (plugins/app/cpu.ts): piscina calls this module's default export
// with ?n, on a thread of its own.
export { timedCount as default } from './primes.ts'
