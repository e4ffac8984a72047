//! `shokai`: the ward-office system for changing My Number Card PINs.

use clap::Parser;

/// Change the PINs of a My Number Card, at home or at the ward office counter.
#[derive(Parser)]
#[command(name = "shokai", version)]
struct Cli {}

fn main() -> anyhow::Result<()> {
    let _cli = Cli::parse();
    Ok(())
}
