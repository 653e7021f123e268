// npm run parity: the command line (parity/cli.ts), its exit status the process's.
import { main } from './cli.ts'

process.exitCode = await main(process.argv.slice(2))
