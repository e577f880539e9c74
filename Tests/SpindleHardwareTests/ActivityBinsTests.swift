import SpindleCore
import Testing

@testable import SpindleHardware

@Suite("Activity series bins and keys")
struct ActivityBinsTests {
    @Test("An amount spread over an interval keeps its exact sum and splits in proportion to each bin's overlap")
    func spread() {
        var b = ActivityBins(binPs: 100)
        b.spread(1_000, from: 50, to: 450)  // 50 / 100 / 100 / 100 / 50 ps of 400
        #expect(b.values == [125, 250, 250, 250, 125])
        b.add(at: 999, 7)
        #expect(b.values.count == 10 && b.values[9] == 7)
        var odd = ActivityBins(binPs: 3)
        odd.spread(10, from: 1, to: 8)
        #expect(odd.values.reduce(0, +) == 10)
        var inside = ActivityBins(binPs: 1_000)
        inside.spread(5, from: 10, to: 20)
        #expect(inside.values == [5])
        // Time past the last bin folds into it rather than growing without bound.
        var far = ActivityBins(binPs: 1)
        far.add(at: 1 << 40, 1)
        #expect(far.values.count == ActivityOptions.maxBins)
    }

    @Test("Activity keys decode to their series and index and never collide with counter keys")
    func keys() {
        let k = CounterCatalogue(actions: [.macInt8])
        for s in ActivitySeries.allCases {
            let key = k.activityKey(s, index: 12_345)
            #expect(k.isActivity(key))
            #expect(k.decodeActivity(key)?.series == s && k.decodeActivity(key)?.index == 12_345)
        }
        let plain = k.key(.tileBusyPs, label: Schedule.maxLabels - 1)
        #expect(!k.isActivity(plain) && k.decodeActivity(plain) == nil)
        #expect(ActivityOptions.spanning(1_000_000, bins: 256).binPs == 3_906)
        #expect(ActivityOptions.spanning(10, bins: 256).binPs == 1)
    }
}
