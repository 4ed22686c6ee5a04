/// The Initiative's partner register, as a CSV file (RFC 4180, UTF-8, an optional byte order mark, CRLF or LF).
///
/// The first record is the header; it names these seven columns, in any order (case and surrounding spaces
/// ignored; unknown extra columns are ignored):
///
/// ```
/// organisation,country,college,funder,person,email,language
/// INRAE,France,research,no,Marie Dupont,marie.dupont@inrae.fr,fr
/// ,Sénégal,,,Awa Diop,awa@example.sn,fr
/// ```
///
/// - `organisation`: the partner's name; **empty for an individual member** (then `college` and `funder` must be
///   empty too; `country` is ignored).
/// - `country`: free text, required for a partner.
/// - `college`: `states`, `research`, `producers`, `civil-society` or `private`; required for a partner.
/// - `funder`: `yes`/`no` (also `true`/`false`, `1`/`0`, `oui`/`non`, `sí`/`si`); empty means no.
/// - `person`: the person's full name, required.
/// - `email`: one address, required; a person with several addresses has one row per address (same
///   organisation and same name).
/// - `language`: `fr`, `en` or `es`, required.
///
/// Every row of one organisation must agree on its country, college and funder flag. An address may appear once.
/// Validation reports every bad row with its line number; the import then changes nothing.
public struct PartnerRegister: Sendable, Equatable {
    /// One validated row.
    public struct Entry: Sendable, Equatable {
        /// The CSV line the row starts on.
        public var line: Int
        /// nil for an individual member.
        public var organisation: String?
        public var country: String
        public var college: College?
        public var isFunder: Bool
        public var person: String
        public var email: String
        public var language: Language
    }

    /// One problem in the register, with its line number.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        /// The column concerned, or nil for the whole row.
        public var column: String?
        public var reason: String
        public var description: String {
            if let column { return "line \(line), \(column): \(reason)" }
            return "line \(line): \(reason)"
        }
    }

    /// Every problem found in a register; nothing is imported.
    public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
        public var problems: [Problem]
        public var description: String {
            "the partner register has \(problems.count) problem(s):\n"
                + problems.map(\.description).joined(separator: "\n")
        }
    }

    /// The column names, in the documented order.
    public static let columns = ["organisation", "country", "college", "funder", "person", "email", "language"]

    /// The validated rows, in file order.
    public var entries: [Entry]

    /// Parses and validates a register file's bytes; throws `ValidationError` listing every problem.
    public init(csv bytes: [UInt8]) throws(ValidationError) {
        let records: [CSVParser.Record]
        do {
            records = try CSVParser.parse(bytes)
        } catch {
            throw ValidationError(problems: [Problem(line: error.line, column: nil, reason: error.kind.rawValue)])
        }
        try self.init(records: records)
    }

    /// Validates parsed CSV records (the first is the header).
    public init(records: [CSVParser.Record]) throws(ValidationError) {
        guard let header = records.first else {
            throw ValidationError(problems: [Problem(line: 1, column: nil, reason: "the file is empty")])
        }
        var index: [String: Int] = [:]
        for (i, name) in header.fields.enumerated() {
            index[name.trimmingSpaces().lowercased()] = i
        }
        let missing = Self.columns.filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw ValidationError(problems: [Problem(
                line: header.line, column: nil,
                reason: "the header lacks the column(s) \(missing.joined(separator: ", "))")])
        }

        var problems: [Problem] = []
        var entries: [Entry] = []
        var emailLines: [String: Int] = [:]
        var organisationRows: [String: Entry] = [:]
        for record in records.dropFirst() {
            func value(_ column: String) -> String {
                guard let i = index[column], i < record.fields.count else { return "" }
                return record.fields[i].trimmingSpaces()
            }
            var rowProblems: [Problem] = []
            func problem(_ column: String?, _ reason: String) {
                rowProblems.append(Problem(line: record.line, column: column, reason: reason))
            }
            let organisation = value("organisation")
            let country = value("country")
            let collegeText = value("college").lowercased()
            let funderText = value("funder").lowercased()
            let person = value("person")
            let email = value("email")
            let languageText = value("language").lowercased()

            var college: College?
            if organisation.isEmpty {
                if !collegeText.isEmpty { problem("college", "an individual (no organisation) has no college") }
            } else if collegeText.isEmpty {
                problem("college", "missing required field")
            } else if let c = College(rawValue: collegeText) {
                college = c
            } else {
                problem("college", "unknown college (expected states, research, producers, civil-society or private)")
            }
            if !organisation.isEmpty && country.isEmpty { problem("country", "missing required field") }
            var isFunder = false
            switch funderText {
            case "", "no", "false", "0", "non", "n": isFunder = false
            case "yes", "true", "1", "oui", "sí", "si", "y": isFunder = true
            default: problem("funder", "expected yes or no")
            }
            if organisation.isEmpty && isFunder { problem("funder", "an individual (no organisation) is not a funder") }
            if person.isEmpty { problem("person", "missing required field") }
            if email.isEmpty {
                problem("email", "missing required field")
            } else if let refused = AddressSyntax.problem(email) {
                problem("email", "not a valid mail address: \(refused)")
            } else {
                let key = MailAddress(address: email).normalized
                if let first = emailLines[key] {
                    problem("email", "the same address is already on line \(first)")
                } else {
                    emailLines[key] = record.line
                }
            }
            var language: Language = .fr
            if languageText.isEmpty {
                problem("language", "missing required field")
            } else if let l = Language(rawValue: languageText) {
                language = l
            } else {
                problem("language", "unknown language (expected fr, en or es)")
            }
            let entry = Entry(line: record.line, organisation: organisation.isEmpty ? nil : organisation,
                              country: organisation.isEmpty ? "" : country, college: college, isFunder: isFunder,
                              person: person, email: email, language: language)
            if rowProblems.isEmpty, let name = entry.organisation {
                let key = name.lowercased()
                if let first = organisationRows[key] {
                    if first.college != entry.college || first.isFunder != entry.isFunder
                        || first.country != entry.country {
                        problem("organisation",
                                "country, college or funder differ from line \(first.line) for the same organisation")
                    }
                } else {
                    organisationRows[key] = entry
                }
            }
            if rowProblems.isEmpty { entries.append(entry) } else { problems += rowProblems }
        }
        guard problems.isEmpty else { throw ValidationError(problems: problems) }
        self.entries = entries
    }

    /// True for an address `AddressSyntax` accepts (RFC 5321 `Mailbox`, ASCII, within its length limits).
    public static func isPlausibleAddress(_ address: String) -> Bool { AddressSyntax.isValid(address) }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
