/// A small RFC 4180 CSV reader: quoted fields, `""` escapes, commas and line breaks inside quotes, a leading
/// UTF-8 byte order mark, and CRLF, LF or CR line endings. Blank lines are skipped.
public enum CSVParser {
    /// One record with the physical line number (1-based) it starts on.
    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]

        /// Creates a record.
        public init(line: Int, fields: [String]) {
            self.line = line
            self.fields = fields
        }
    }

    /// A syntax error, with the line it was found on.
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            case unterminatedQuote = "a quoted field is not closed"
            case textAfterClosingQuote = "text after a closing quote"
            case quoteInUnquotedField = "a quote inside an unquoted field"
            case notUTF8 = "the file is not UTF-8"
        }
        public var line: Int
        public var kind: Kind
        public var description: String { "line \(line): \(kind.rawValue)" }
    }

    /// Parses UTF-8 bytes.
    public static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> [Record] {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SyntaxError(line: 1, kind: .notUTF8)
        }
        return try parse(text)
    }

    /// Parses text.
    public static func parse(_ text: String) throws(SyntaxError) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quotedFieldClosed = false  // after the closing quote of a quoted field
        var fieldStarted = false       // the current field had a character or a quote
        var quoteLine = 1

        var scalars = text.unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        var iterator = scalars.makeIterator()
        var pending: Unicode.Scalar? = nil

        func endField() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            quotedFieldClosed = false
            fieldStarted = false
        }
        func endRecord() {
            endField()
            // A blank line is one empty field: skip it.
            if !(fields.count == 1 && fields[0].isEmpty) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
        }

        while true {
            let next: Unicode.Scalar?
            if let p = pending { next = p; pending = nil } else { next = iterator.next() }
            guard let c = next else { break }
            if inQuotes {
                if c == "\"" {
                    let after = iterator.next()
                    if after == "\"" {
                        field.append("\"")
                    } else {
                        inQuotes = false
                        quotedFieldClosed = true
                        pending = after
                    }
                } else {
                    if c == "\n" { line += 1 }
                    else if c == "\r" {
                        let after = iterator.next()
                        if after != "\n" { pending = after }
                        field.append("\r")
                        if after == "\n" { field.append("\n") }
                        line += 1
                        continue
                    }
                    field.append(c)
                }
                continue
            }
            switch c {
            case ",":
                endField()
            case "\r", "\n":
                if c == "\r" {
                    let after = iterator.next()
                    if after != "\n" { pending = after }
                }
                endRecord()
                line += 1
                recordLine = line
            case "\"":
                if quotedFieldClosed { throw SyntaxError(line: line, kind: .textAfterClosingQuote) }
                if fieldStarted { throw SyntaxError(line: line, kind: .quoteInUnquotedField) }
                inQuotes = true
                fieldStarted = true
                quoteLine = line
            default:
                if quotedFieldClosed { throw SyntaxError(line: line, kind: .textAfterClosingQuote) }
                field.append(c)
                fieldStarted = true
            }
        }
        if inQuotes { throw SyntaxError(line: quoteLine, kind: .unterminatedQuote) }
        if fieldStarted || !fields.isEmpty { endRecord() }
        return records
    }
}
