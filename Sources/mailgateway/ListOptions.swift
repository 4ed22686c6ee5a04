import ArgumentParser

/// `--list <list>`, required: the list a command works on (archive threads, export and import, members, bench
/// fetch).
struct ListOption: ParsableArguments {
    @Option(name: .customLong("list"), help: "The list id (as in the configuration).")
    var id: String
}

/// `--list <list>`, optional: keeps to one list what a command lists or changes (archive search and
/// quarantine, moderation list, outbox list and retry).
struct ListFilter: ParsableArguments {
    @Option(name: .customLong("list"), help: "Only this list.")
    var id: String?
}
