import Foundation
import MailGateway
import MailGatewayCLI

extension GlobalOptions {
    /// Loads the configuration (IMAP/SMTP passwords are not needed by the administrative commands) and opens
    /// the whole gateway: the database with every migration, the templates and the keys. For the commands that
    /// send notices (moderation approve, reject, discard, expire). Problems exit with 2.
    func openGateway(busyTimeout: TimeInterval = 10) throws -> Gateway {
        try opening { config in try Gateway(config: config, busyTimeout: busyTimeout) }
    }

    /// Loads the configuration (without checking secrets) and opens only the database, migrated as needed: no
    /// templates, no keys. For the commands that read or edit tables. Problems exit with 2.
    func openStore(busyTimeout: TimeInterval = 10) throws -> AdminGateway {
        try opening { config in
            AdminGateway(config: config, database: try GatewayStore.open(config: config, busyTimeout: busyTimeout))
        }
    }
}

/// The gateway as the administrative commands see it: its configuration and its database.
struct AdminGateway {
    let config: GatewayConfig
    let database: GatewayStore
}
