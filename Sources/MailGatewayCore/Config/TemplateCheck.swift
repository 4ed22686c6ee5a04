import Foundation

/// Checks that every user-facing template exists in every language (`templates/<lang>/<name>`).
public enum TemplateCheck {
    /// Problems found: a missing folder, or a template present in one language and missing in another.
    public static func problems(in directory: String) -> [String] {
        let fm = FileManager.default
        var names: [Language: Set<String>] = [:]
        var problems: [String] = []
        for lang in Language.allCases {
            let dir = (directory as NSString).appendingPathComponent(lang.rawValue)
            guard let files = try? fm.contentsOfDirectory(atPath: dir) else {
                problems.append("\(dir): missing folder")
                continue
            }
            names[lang] = Set(files.filter { $0.hasSuffix(".mustache") })
        }
        let all = names.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        for lang in Language.allCases {
            guard let have = names[lang] else { continue }
            for missing in all.subtracting(have).sorted() {
                problems.append("\(lang.rawValue)/\(missing): missing (exists in another language)")
            }
        }
        return problems
    }
}
