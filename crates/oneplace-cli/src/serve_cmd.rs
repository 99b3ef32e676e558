//! `oneplace serve` and `oneplace audit verify`: flags only; the work is
//! in oneplace-server.

use std::net::SocketAddr;

use crate::Failure;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// The database: a SQLite file (created and migrated if missing) or a
    /// postgres:// URL.
    #[arg(long, value_name = "PATH|URL", default_value = "oneplace.db")]
    db: String,
    /// Seed the fictional Northshire and Westmere, with a user for each
    /// role (their passwords are printed once).
    #[arg(long)]
    demo: bool,
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Mark cookies Secure (when served over HTTPS, e.g. behind a proxy).
    #[arg(long)]
    secure_cookies: bool,
}

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Check that no audit entry has been edited, deleted or reordered:
    /// exit 0 if the chain is intact, 1 naming the first bad entry.
    Verify {
        #[arg(long, value_name = "PATH|URL", default_value = "oneplace.db")]
        db: String,
    },
}

#[derive(clap::Subcommand)]
pub enum PlaceCommand {
    /// Create a place in the web application's database, with its first
    /// administrator (the password is printed once). The administrator
    /// then adds the place's journals, models and users in the browser.
    Create {
        /// The place's identifier (lower-case kebab-case), such as northshire.
        id: String,
        /// What people read.
        #[arg(long)]
        name: String,
        /// The administrator's user name.
        #[arg(long, value_name = "USERNAME")]
        admin: String,
        #[arg(long, value_name = "PATH|URL", default_value = "oneplace.db")]
        db: String,
    },
}

pub fn place(command: PlaceCommand) -> Result<(), Failure> {
    match command {
        PlaceCommand::Create {
            id,
            name,
            admin,
            db,
        } => {
            let password = oneplace_server::run::create_place_blocking(&db, &id, &name, &admin)
                .map_err(Failure::Message)?;
            println!(
                "Created the place {id} ({name}). Its administrator {admin} logs in with the password {password} (shown only now)."
            );
            Ok(())
        }
    }
}

pub fn serve(args: ServeArgs) -> Result<(), Failure> {
    oneplace_server::run::serve_blocking(
        oneplace_server::run::ServeOptions {
            db: args.db,
            demo: args.demo,
            bind: args.bind,
            secure_cookies: args.secure_cookies,
        },
        &mut std::io::stdout(),
    )
    .map_err(Failure::Message)
}

pub fn audit(command: AuditCommand) -> Result<(), Failure> {
    match command {
        AuditCommand::Verify { db } => match oneplace_server::run::verify_audit_blocking(&db) {
            Ok(Ok(n)) => {
                println!("The audit log is intact: {n} entries, each chained to the one before.");
                Ok(())
            }
            Ok(Err(b)) => Err(Failure::Message(format!(
                "the audit log has been tampered with: {b}"
            ))),
            Err(e) => Err(Failure::Message(e)),
        },
    }
}
