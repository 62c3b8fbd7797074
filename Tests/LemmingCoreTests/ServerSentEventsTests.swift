import Testing

@testable import LemmingCore

/// The one Server-Sent Events reader (providers' streams, the MCP and A2A clients): events cut
/// anywhere between chunks, comments, CRLF, `data:` with and without its space.
@Test func serverSentEventsAreReadAcrossChunks() {
    var events = ServerSentEvents()
    #expect(events.feed(Array(": keep-alive\n\ndata: {\"a\"".utf8)).isEmpty)
    #expect(events.pendingByteCount == 10)
    let read = events.feed(Array(":1}\r\n\r\nevent: x\ndata: one\ndata:two\n\n".utf8))
    #expect(read.map(\.data) == ["{\"a\":1}", "one\ntwo"])
    #expect(read.map(\.name) == [nil, "x"])
    #expect(events.pendingByteCount == 0)
}

@Test func aLineLongerThanAChunkIsScannedOnce() {
    var lines = LineSplitter()
    for _ in 0..<100 { #expect(lines.feedBytes(Array(repeating: 0x61, count: 1_000)).isEmpty) }
    #expect(lines.pendingByteCount == 100_000)
    #expect(lines.feedBytes([0x0D, 0x0A, 0x62, 0x0A]).map(\.count) == [100_000, 1])
}
