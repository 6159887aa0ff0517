import { describe, expect, it } from 'vitest'
import { tuneOpus } from './opus-sdp'

const chromiumAudio = [
  'v=0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'a=rtpmap:9 G722/8000',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  '',
].join('\r\n')

describe('tuneOpus', () => {
  it('adds DTX, FEC, mono and a bitrate cap to the opus fmtp line, keeping its own keys', () => {
    const out = tuneOpus(chromiumAudio)
    expect(out).toContain(
      'a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1;stereo=0;sprop-stereo=0;maxaveragebitrate=32000\r\n',
    )
  })

  it('leaves other codecs, other sections and the line endings alone', () => {
    const out = tuneOpus(chromiumAudio)
    expect(out).toContain('a=fmtp:63 111/111\r\n')
    expect(out.split('\r\n')).toHaveLength(chromiumAudio.split('\r\n').length)
    expect(tuneOpus('v=0\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\n')).toBe(
      'v=0\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\n',
    )
  })

  it('overrides a value the browser chose', () => {
    const sdp = 'a=rtpmap:109 opus/48000/2\na=fmtp:109 usedtx=0;stereo=1\n'
    expect(tuneOpus(sdp, { usedtx: '1', stereo: '0' })).toBe(
      'a=rtpmap:109 opus/48000/2\na=fmtp:109 usedtx=1;stereo=0\n',
    )
  })

  it('writes an fmtp line when opus has none', () => {
    const sdp = 'a=rtpmap:96 opus/48000/2\na=rtcp-fb:96 nack\n'
    expect(tuneOpus(sdp, { usedtx: '1' })).toBe(
      'a=rtpmap:96 opus/48000/2\na=fmtp:96 usedtx=1\na=rtcp-fb:96 nack\n',
    )
  })

  it('is idempotent', () => {
    const once = tuneOpus(chromiumAudio)
    expect(tuneOpus(once)).toBe(once)
  })
})
