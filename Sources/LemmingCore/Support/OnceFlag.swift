import Synchronization

/// A flag one task raises, once, and others read: a call delivered, a deadline passed, a
/// program's output cut.
package final class OnceFlag: Sendable {
    private let raised = Atomic(false)

    package init() {}

    package func raise() { raised.store(true, ordering: .sequentiallyConsistent) }

    package var isRaised: Bool { raised.load(ordering: .sequentiallyConsistent) }
}
