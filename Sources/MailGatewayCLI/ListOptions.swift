package import ArgumentParser

/// `--list <list>`, required: the list a command works on (archive threads, export and import, members, bench
/// fetch).
package struct ListOption: ParsableArguments {
    package init() {}

    @Option(name: .customLong("list"), help: "The list id (as in the configuration).")
    package var id: String
}

/// `--list <list>`, optional: keeps to one list what a command lists or changes (archive search and
/// quarantine, moderation list, outbox list and retry).
package struct ListFilter: ParsableArguments {
    package init() {}

    @Option(name: .customLong("list"), help: "Only this list.")
    package var id: String?
}
