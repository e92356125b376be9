import CustomerDisplay
import Foundation
import Testing

@Suite struct DisplayFeedTests {
    static let payment = DisplayScreen(
        kind: .qr,
        reference: "till7-000123",
        amount: 12900,
        text: "Kaffe og bolle",
        qrVersion: 1,
        expiresAt: Date(timeIntervalSinceNow: 300)
    )

    @Test func startsIdle() async {
        let feed = DisplayFeed()
        let current = await feed.current
        #expect(current.kind == .idle)
        #expect(current.sequence == 0)
        #expect(current.shownAt != nil)
    }

    @Test func everyChangeGetsTheNextSequenceNumber() async {
        let feed = DisplayFeed()
        await feed.show(Self.payment)
        var scanned = Self.payment
        scanned.kind = .scanned
        await feed.show(scanned)
        let current = await feed.current
        #expect(current.kind == .scanned)
        #expect(current.sequence == 2)
    }

    @Test func repeatingTheSameScreenIsNotAChange() async {
        let feed = DisplayFeed()
        await feed.show(Self.payment)
        let first = await feed.current
        await feed.show(Self.payment)
        let second = await feed.current
        #expect(second.sequence == first.sequence)
        #expect(second.shownAt == first.shownAt)
    }

    @Test func aSubscriberGetsTheCurrentScreenFirstThenChanges() async throws {
        let feed = DisplayFeed()
        await feed.show(Self.payment)
        var screens = await feed.subscribe().makeAsyncIterator()
        let replayed = try #require(await screens.next())
        #expect(replayed.kind == .qr)
        #expect(replayed.sequence == 1)

        var paid = Self.payment
        paid.kind = .paid
        await feed.show(paid)
        let next = try #require(await screens.next())
        #expect(next.kind == .paid)
        #expect(next.sequence == 2)
    }

    @Test func aSubscriberThatDoesNotReadOnlyKeepsTheNewestScreen() async throws {
        let feed = DisplayFeed()
        let stuck = await feed.subscribe()
        var reader = await feed.subscribe().makeAsyncIterator()
        _ = await reader.next()

        for amount in 1...10_000 {
            var screen = Self.payment
            screen.amount = amount
            await feed.show(screen)
            // The reading subscriber keeps up; the stuck one never reads.
            let seen = try #require(await reader.next())
            #expect(seen.amount == amount)
        }

        var late = stuck.makeAsyncIterator()
        let newest = try #require(await late.next())
        #expect(newest.amount == 10_000)
        #expect(newest.sequence == 10_000)
    }

    @Test func endingTheIterationUnsubscribes() async {
        let feed = DisplayFeed()
        do {
            let screens = await feed.subscribe()
            #expect(await feed.subscriberCount == 1)
            for await _ in screens {
                break
            }
        }
        // The stream tells the feed asynchronously; wait for it.
        await feed.waitForSubscribers(0)
        #expect(await feed.subscriberCount == 0)
    }

    @Test func subscriberCountUpdatesFollowConnectsAndHangUps() async {
        let feed = DisplayFeed()
        var counts = await feed.subscriberCountUpdates().makeAsyncIterator()
        #expect(await counts.next() == 0)
        do {
            let screens = await feed.subscribe()
            #expect(await counts.next() == 1)
            for await _ in screens {
                break
            }
        }
        #expect(await counts.next() == 0)
    }

    @Test func jsonUsesTheWireNamesThePageReads() throws {
        var screen = DisplayScreen(kind: .connectionProblem, amount: 100, reason: .vippsUnavailable)
        screen.expiresAt = Date(timeIntervalSince1970: 1_795_000_000.25)
        let json = String(decoding: try DisplayScreen.makeJSONEncoder().encode(screen), as: UTF8.self)
        #expect(json.contains(#""kind":"connection-problem""#))
        #expect(json.contains(#""reason":"vippsUnavailable""#))
        #expect(json.contains(#""expiresAt":"2026-11-18T"#))
        #expect(json.contains(".250Z\""))
        #expect(!json.contains("\n"))
        #expect(!json.contains("reference"), "absent fields are left out")
        let decoded = try DisplayScreen.makeJSONDecoder().decode(DisplayScreen.self, from: Data(json.utf8))
        #expect(decoded == screen)
    }
}
