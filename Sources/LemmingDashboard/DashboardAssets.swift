/// The dashboard's files (DESIGN §8), compiled into the binary so a copied `lemming` still serves
/// them: static HTML, CSS and JavaScript modules from `Assets/`, no build step.
///
/// SwiftPM's `.embedInCode` turns each file of `Assets/` into a byte array named after the file
/// (`view-graph.js` → `view_graph_js`), so the table below names each one; a test checks that it
/// lists exactly the files of the folder.
public enum DashboardAssets {
    /// Every file by its name in `Assets/` (flat: no folders), with its bytes.
    public static let files: [String: [UInt8]] = [
        "index.html": PackageResources.index_html,
        "agent-resume-editor.js": PackageResources.agent_resume_editor_js,
        "agent-tabs.js": PackageResources.agent_tabs_js,
        "agent-turns.js": PackageResources.agent_turns_js,
        "app.js": PackageResources.app_js,
        "core.js": PackageResources.core_js,
        "favicon.svg": PackageResources.favicon_svg,
        "messages-search.js": PackageResources.messages_search_js,
        "style.css": PackageResources.style_css,
        "theme.js": PackageResources.theme_js,
        "view-agent.css": PackageResources.view_agent_css,
        "view-agent.js": PackageResources.view_agent_js,
        "view-credits.css": PackageResources.view_credits_css,
        "view-credits.js": PackageResources.view_credits_js,
        "view-desk.css": PackageResources.view_desk_css,
        "view-desk.js": PackageResources.view_desk_js,
        "view-graph.css": PackageResources.view_graph_css,
        "view-graph.js": PackageResources.view_graph_js,
        "view-messages.css": PackageResources.view_messages_css,
        "view-messages.js": PackageResources.view_messages_js,
        "view-overview.css": PackageResources.view_overview_css,
        "view-overview.js": PackageResources.view_overview_js,
        "view-timeline.css": PackageResources.view_timeline_css,
        "view-timeline.js": PackageResources.view_timeline_js,
        "view-tools.css": PackageResources.view_tools_css,
        "view-tools.js": PackageResources.view_tools_js,
    ]

    /// The `Content-Type` of a file of the dashboard by its extension, `nil` for any other kind.
    public static func contentType(of name: String) -> String? {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        switch name[name.index(after: dot)...] {
        case "html": return "text/html; charset=utf-8"
        case "js": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "json": return "application/json; charset=utf-8"
        default: return nil
        }
    }

    /// Whether `name` can be a file of the dashboard: a flat name of lowercase letters, digits,
    /// `-`, `_` and `.`, not starting with a dot, with a known extension. Anything else (a path, `..`,
    /// an encoded slash) is never looked up, on disk or in the table.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first != UInt8(ascii: "."), name.utf8.count <= 64 else { return false }
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        return allowed && contentType(of: name) != nil
    }
}
