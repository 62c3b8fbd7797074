import Crypto
import Foundation
import LemmingCore
import Synchronization

/// Browser sessions (DESIGN §8): browsers cannot send `Authorization` on a WebSocket, so a
/// browser that presents the API key to `POST /api/session` gets a session token in an HttpOnly,
/// SameSite=Strict cookie, and a CSRF token its changes must echo in `X-CSRF-Token`.
///
/// Tokens are stateless: `v1.<expiry>.<nonce>.<signature>`, the expiry in Unix seconds, a random
/// nonce, and an HMAC-SHA256 of the rest under a secret derived from the configured API keys. A
/// restart keeps sessions valid while the keys stay the same; changing a key ends them all. The
/// CSRF token is an HMAC of the session token under a second derived secret. A session that logs
/// out is refused by this process until it would have expired.
///
/// It does not store sessions, bind them to a client address, or log a token.
final class SessionTokens: Sendable {
    /// One valid session.
    struct Session: Sendable, Equatable {
        /// The cookie's value.
        var token: String
        /// What a change made with the cookie must carry in `X-CSRF-Token`.
        var csrfToken: String
        var expiresAt: Date
        /// The token's nonce, which names it once it is revoked.
        fileprivate var nonce: String
    }

    static let cookieName = "lemming_session"
    static let csrfHeaderName = "X-CSRF-Token"
    /// How long a session lasts: 12 hours.
    static let defaultLifetime = 12 * 3600
    /// Longer cookie values are not tokens of this server (a real one has about 100 bytes).
    private static let maxTokenLength = 256

    let lifetimeSeconds: Int
    private let signingKey: SymmetricKey
    private let csrfKey: SymmetricKey
    private let clock: any WallClock
    /// Nonces of sessions logged out, with their expiry (kept until then).
    private let revoked = Mutex<[String: Date]>([:])

    /// - Parameters:
    ///   - keys: the configured API keys; `nil` without any (nothing to sign with, nothing to guard).
    ///   - clock: the time sessions are issued and checked at.
    ///   - lifetimeSeconds: how long a session lasts.
    init?(keys: [[UInt8]], clock: any WallClock, lifetimeSeconds: Int = defaultLifetime) {
        guard !keys.isEmpty else { return nil }
        // Each key with its length first, so two lists of keys never give the same material.
        var material: [UInt8] = []
        for key in keys {
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: key.count).bigEndian) { material.append(contentsOf: $0) }
            material.append(contentsOf: key)
        }
        let input = SymmetricKey(data: material)
        let salt = Array("lemming session v1".utf8)
        signingKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: input, salt: salt, info: Array("sign".utf8), outputByteCount: 32)
        csrfKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: input, salt: salt, info: Array("csrf".utf8), outputByteCount: 32)
        self.clock = clock
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// A new session, valid for ``lifetimeSeconds`` from now.
    func issue() -> Session {
        let expiry = Int(clock.now().timeIntervalSince1970.rounded(.down)) + lifetimeSeconds
        var generator = SystemRandomNumberGenerator()
        let nonce = Self.base64URL((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let payload = "v1.\(expiry).\(nonce)"
        let signature = HMAC<SHA256>.authenticationCode(for: Array(payload.utf8), using: signingKey)
        let token = payload + "." + Self.base64URL(Array(signature))
        return Session(
            token: token, csrfToken: csrfToken(for: token), expiresAt: Date(timeIntervalSince1970: Double(expiry)),
            nonce: nonce)
    }

    /// The session of `token` when it was signed under the current keys, has not expired and was
    /// not logged out; `nil` otherwise.
    func verify(_ token: String) -> Session? {
        guard token.utf8.count <= Self.maxTokenLength else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "v1", parts[1].allSatisfy(\.isASCIIDigit), let expiry = Int(parts[1]),
            let signature = Self.decodeBase64URL(parts[3])
        else { return nil }
        let payload = token.utf8.dropLast(parts[3].utf8.count + 1)
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Array(payload), using: signingKey)
        else { return nil }
        let expiresAt = Date(timeIntervalSince1970: Double(expiry))
        guard expiresAt > clock.now() else { return nil }
        let nonce = String(parts[2])
        guard revoked.withLock({ $0[nonce] == nil }) else { return nil }
        return Session(token: token, csrfToken: csrfToken(for: token), expiresAt: expiresAt, nonce: nonce)
    }

    /// Logs `session` out: its token is refused from now on by this process.
    func revoke(_ session: Session) {
        let now = clock.now()
        revoked.withLock { revoked in
            revoked = revoked.filter { $0.value > now }
            revoked[session.nonce] = session.expiresAt
        }
    }

    /// Whether `presented` is the CSRF token of `session` (compared in constant time).
    func isValidCSRFToken(_ presented: String, for session: Session) -> Bool {
        AccessPolicy.constantTimeEqual(Array(presented.utf8), Array(session.csrfToken.utf8))
    }

    /// The `Set-Cookie` value that stores `session` in the browser.
    func cookie(for session: Session) -> String {
        "\(Self.cookieName)=\(session.token); Path=/; Max-Age=\(lifetimeSeconds); HttpOnly; SameSite=Strict"
    }

    /// The `Set-Cookie` value that removes the session cookie.
    static var expiredCookie: String { "\(cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" }

    /// The values of every `lemming_session` cookie the request carries.
    static func cookieValues(_ headerValues: [String]) -> [String] {
        var values: [String] = []
        for header in headerValues {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == cookieName else { continue }
                values.append(String(trimmed[trimmed.index(after: equals)...]).trimmingWhitespace())
            }
        }
        return values
    }

    private func csrfToken(for token: String) -> String {
        Self.base64URL(Array(HMAC<SHA256>.authenticationCode(for: Array(token.utf8), using: csrfKey)))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: Substring) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map(Array.init)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
