/**
 * Packet loss for ICE tests: an nftables table of our own that drops UDP to and from given
 * ports on this machine. Only the ports of the connections under test are touched, so other
 * traffic (other tests on a shared machine, the signaling server's TCP) goes on.
 */
import { execFileSync } from 'node:child_process'

const TABLE = `peerboard_test_${process.pid}`

export function nftAvailable(): boolean {
  try {
    execFileSync('nft', ['list', 'tables'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export function dropUdpPorts(ports: readonly number[]): void {
  const set = ports.join(', ')
  const script = [
    `table inet ${TABLE} {`,
    `  chain input { type filter hook input priority -10; udp dport { ${set} } drop; udp sport { ${set} } drop; }`,
    `  chain output { type filter hook output priority -10; udp dport { ${set} } drop; udp sport { ${set} } drop; }`,
    `}`,
  ].join('\n')
  execFileSync('nft', ['-f', '-'], { input: script })
}

export function heal(): void {
  try {
    execFileSync('nft', ['delete', 'table', 'inet', TABLE], { stdio: 'ignore' })
  } catch {
    // Not there: nothing to heal.
  }
}
