/**
 * `npm run bench` (after `npm run build`): Peerboard next to raw WebRTC and y-webrtc. The
 * benchmark itself lives in bench/ (see bench/main.mjs); `--quick` for a short development run.
 */
import '../bench/main.mjs'
