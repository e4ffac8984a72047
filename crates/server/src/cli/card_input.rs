//! Reading PINs for `shokai card`: from the terminal without echo, or one a
//! line from standard input for scripts. Every PIN string is zeroed on drop.

use std::io::{self, BufRead, Write};

use zeroize::Zeroizing;

use super::card::CardCliError;

/// Where PINs and confirmations come from.
pub enum PinInput {
    /// Lines of standard input, in a fixed order.
    Stdin(io::Lines<io::StdinLock<'static>>),
    /// Prompts on the terminal, typed without echo.
    Terminal,
}

impl PinInput {
    pub fn new(from_stdin: bool) -> PinInput {
        if from_stdin {
            PinInput::Stdin(io::stdin().lock().lines())
        } else {
            PinInput::Terminal
        }
    }

    /// One secret: the next stdin line, or a no-echo prompt.
    pub fn secret(&mut self, prompt: &str) -> Result<Zeroizing<String>, CardCliError> {
        let mut line = match self {
            PinInput::Stdin(lines) => match lines.next() {
                Some(line) => Zeroizing::new(line.map_err(|e| {
                    CardCliError::BadInput(format!("cannot read standard input: {e}"))
                })?),
                None => {
                    return Err(CardCliError::BadInput(format!(
                        "standard input ended before: {prompt}"
                    )));
                }
            },
            PinInput::Terminal => {
                Zeroizing::new(rpassword::prompt_password(prompt).map_err(|e| {
                    CardCliError::BadInput(format!(
                        "cannot ask for the PIN on a terminal ({e}); use --stdin"
                    ))
                })?)
            }
        };
        // Only a line ending is trimmed: any other character is part of the PIN
        // and the format check names it.
        while line.ends_with(['\r', '\n']) {
            line.pop();
        }
        Ok(line)
    }

    /// A yes/no question; `assume_yes` answers it without asking. From stdin
    /// without `--yes` the answer is no: a script must say so explicitly.
    pub fn confirm(&mut self, question: &str, assume_yes: bool) -> Result<bool, CardCliError> {
        if assume_yes {
            return Ok(true);
        }
        if let PinInput::Stdin(_) = self {
            eprintln!("{question} -> no (--stdin without --yes)");
            return Ok(false);
        }
        eprint!("{question} [y/N] ");
        io::stderr().flush().ok();
        let mut answer = String::new();
        io::stdin()
            .read_line(&mut answer)
            .map_err(|e| CardCliError::BadInput(format!("cannot read the answer: {e}")))?;
        Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "はい"))
    }
}
