import Foundation
import HTTPTypes
import HummingbirdTesting
import LemmingCore
import LemmingDashboard
import LemmingTesting
import Testing

@testable import LemmingServer

/// The dashboard's files as the server answers them (issue 12; DESIGN §8).
@Suite(.timeLimit(.minutes(1))) struct DashboardRouteTests {
    /// The folder the files are embedded from.
    static let assetsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/LemmingDashboard/Assets").path

    @Test func theTableListsExactlyTheFilesOfTheFolderWithTheirBytes() throws {
        let names = try #require(try FileSystem.list(Self.assetsFolder)).filter { !$0.hasPrefix(".") }
        #expect(Set(names) == Set(DashboardAssets.files.keys))
        for name in names {
            #expect(DashboardAssets.isValidName(name), "\(name) cannot be served")
            let bytes = try FileSystem.read(Self.assetsFolder + "/" + name)
            #expect(DashboardAssets.files[name] == bytes, "\(name)")
        }
    }

    @Test func everyScriptAndStyleThePageNamesIsServed() throws {
        let page = String(decoding: try #require(DashboardAssets.files["index.html"]), as: UTF8.self)
        let referenced = page.split(separator: "\"").filter { $0.hasPrefix("/ui/") }.map { String($0.dropFirst(4)) }
        #expect(referenced.count >= 4)
        for name in referenced { #expect(DashboardAssets.files[name] != nil, "index.html names \(name)") }
        // No inline script: the policy would refuse it.
        #expect(!page.contains("<script>"))
        #expect(!page.contains("onclick="))
    }

    @Test func thePageComesWithItsOwnPolicyAndTheAPIKeepsNone() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let page = try await client.call(.get, "/")
            #expect(page.status == 200)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains(#"<script type="module" src="/ui/app.js">"#))
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src 'self'"))
            #expect(policy.contains("connect-src 'self'"))
            #expect(!policy.contains("unsafe-inline"))
            #expect(page.headers[.xContentTypeOptions] == "nosniff")

            let script = try await client.call(.get, "/ui/core.js")
            #expect(script.status == 200)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(script.text.contains("export const api"))

            let api = try await client.call(.get, "/api/status")
            #expect(api.headers[.contentSecurityPolicy] == "default-src 'none'; frame-ancestors 'none'")
        }
    }

    @Test func anUnchangedFileIsRevalidatedByItsTag() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org) { client, _ in
            let first = try await client.call(.get, "/ui/app.js")
            let tag = try #require(first.headers[.eTag])
            #expect(first.headers[.cacheControl] == "no-cache")
            let again = try await client.call(.get, "/ui/app.js", headers: [.ifNoneMatch: tag])
            #expect(again.status == 304)
            #expect(again.text.isEmpty)
            let other = try await client.call(.get, "/ui/style.css", headers: [.ifNoneMatch: tag])
            #expect(other.status == 200)
        }
    }

    @Test(arguments: [
        "/ui/..%2Flemming.json", "/ui/%2e%2e%2flemming.json", "/ui/.hidden.js", "/ui/lemming.json",
        "/ui/CORE.JS", "/ui/core.js%00.html", "/ui/nothing.js", "/ui/", "/ui/core",
    ])
    func aNameThatIsNotADashboardFileIsNotFound(path: String) async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try org.writeBytes("lemming.json.js", Array("secret".utf8))
        try await withServer(org) { client, _ in
            let answer = try await client.call(.get, path)
            #expect(answer.status == 404, "\(path): \(answer.text)")
            #expect(!answer.text.contains("secret"))
        }
    }

    @Test func aDevelopmentFolderIsReadOnEveryRequestAndNeverCached() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        let folder = org.root + "/dashboard"
        try FileSystem.makeDirectory(folder)
        try FileSystem.writeAtomically(Array("console.log(1)".utf8), to: folder + "/core.js")
        try FileSystem.writeAtomically(Array("outside".utf8), to: org.root + "/outside.js")
        try await withServer(org, environment: ["LEMMING_DASHBOARD_DIR": folder]) { client, _ in
            let first = try await client.call(.get, "/ui/core.js")
            #expect(first.text == "console.log(1)")
            #expect(first.headers[.cacheControl] == "no-store")
            #expect(first.headers[.eTag] == nil)
            try FileSystem.writeAtomically(Array("console.log(2)".utf8), to: folder + "/core.js")
            let second = try await client.call(.get, "/ui/core.js")
            #expect(second.text == "console.log(2)")
            // Only the folder's own files, never a way out of it.
            let outside = try await client.call(.get, "/ui/..%2Foutside.js")
            #expect(outside.status == 404)
            let missing = try await client.call(.get, "/")
            #expect(missing.status == 404)
        }
    }

    @Test func thePageNeedsNoKeyButTheDataBehindItDoes() async throws {
        let org = try chatOrg()
        defer { org.remove() }
        try await withServer(org, environment: ["LEMMING_API_KEY": "k-123"], host: "0.0.0.0") { client, _ in
            let page = try await client.call(.get, "/")
            #expect(page.status == 200)
            let script = try await client.call(.get, "/ui/app.js")
            #expect(script.status == 200)
            let status = try await client.call(.get, "/api/status")
            #expect(status.status == 401)
        }
    }
}
