/// A DRAMsim3 memory system: one controller per channel, each address sent to the channel its `ch` bits
/// name in the config's address mapping.
public struct DRAMSystem {
    public let config: DRAMConfig
    public private(set) var channels: [DRAMController]
    let channelShift: Int, channelMask: UInt64

    public init(config: DRAMConfig) {
        self.config = config
        let first = DRAMController(config: config)
        (channelShift, channelMask) = first.fields["ch"] ?? (0, 0)
        channels = Array(repeating: first, count: config.channels)
    }

    /// The channel serving `address`.
    @inline(__always) public func channel(of address: UInt64) -> Int {
        Int((address >> UInt64(channelShift)) & channelMask) % channels.count
    }

    public func willAccept(address: UInt64, isWrite: Bool) -> Bool { channels[channel(of: address)].willAccept(isWrite: isWrite) }

    public mutating func add(address: UInt64, isWrite: Bool, tag: Int = 0) {
        channels[channel(of: address)].add(address: address, isWrite: isWrite, tag: tag)
    }

    /// Advances every channel one cycle.
    public mutating func tick() {
        for i in channels.indices { channels[i].tick() }
    }
}
