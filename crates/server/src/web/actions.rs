//! Which actions a case page offers, derived from the workflow.
//!
//! The machine's own table ([`shokai_workflow::Path::transitions`]) says which
//! events the current state allows; [`CaseAction::for_event`] says which of
//! them a clerk starts from the case page (every event is listed, no `_`
//! arm); [`CaseAction::policy_allows`] says which role may. Facts the page
//! can see cheaply narrow it further (only a locked case offers unlock, a
//! locked one no response; undeliverable needs a mailed current letter).
//! Letter limits (count, gap, deadline) are not guessed here: the workflow
//! refuses with a message, and a supervisor has the override.
//!
//! A test applies every event to cases in every state, for every role, and
//! checks the page offers exactly the actions `Case::apply` accepts.

use shokai_workflow::{CaseCore, EventKind, Role};

use crate::auth::Policy;
use crate::auth::{Operate, Supervise};

/// Something the case page lets a user start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseAction {
    /// 照会書を発行 (into the next print batch).
    IssueLetter,
    /// 照会書を発行（上限超過・理由付き）: supervisors.
    IssueLetterOverride,
    /// 回答書の受付: a link to the response page.
    RecordResponse,
    /// ロック解除: supervisors, with a reason.
    Unlock,
    /// 暗証番号の変更: a link to the counter PIN-change page.
    PinChange,
    /// 取消: supervisors, with a reason.
    Cancel,
    /// 返戻（宛所不明等）: the mailed letter came back.
    MarkUndeliverable,
    /// 本人来庁に切替: the cardholder came in person; the proxy case ends
    /// and an in-person case for the same card takes its place.
    TakeOver,
    /// 初期化の案件を作成: a change that failed on a blocked or forgotten PIN
    /// is followed by a reset case (a new case, not an event of this one).
    StartReset,
}

impl CaseAction {
    /// The page action that starts `kind`, if the case page starts it at all.
    pub fn for_event(kind: EventKind) -> Option<CaseAction> {
        match kind {
            EventKind::IssueLetter => Some(CaseAction::IssueLetter),
            EventKind::IssueLetterOverride => Some(CaseAction::IssueLetterOverride),
            EventKind::RecordResponse => Some(CaseAction::RecordResponse),
            EventKind::Unlock => Some(CaseAction::Unlock),
            EventKind::CompletePinChange => Some(CaseAction::PinChange),
            EventKind::Cancel => Some(CaseAction::Cancel),
            EventKind::MarkUndeliverable => Some(CaseAction::MarkUndeliverable),
            EventKind::CardholderCameInPerson => Some(CaseAction::TakeOver),
            // Printing and mailing happen per print batch on the batches page.
            EventKind::PrintLetter | EventKind::MarkMailed => None,
            // Failing is the outcome of a PIN change (a blocked PIN), never a button.
            EventKind::Fail => None,
            // Expiry follows the deadline; it is not a clerk's decision.
            EventKind::Expire => None,
        }
    }

    /// Whether `role` may take this action (the API route's policy).
    pub fn policy_allows(self, role: Role) -> bool {
        match self {
            CaseAction::IssueLetter
            | CaseAction::RecordResponse
            | CaseAction::PinChange
            | CaseAction::MarkUndeliverable
            | CaseAction::TakeOver
            | CaseAction::StartReset => Operate::allows(role),
            CaseAction::IssueLetterOverride | CaseAction::Unlock | CaseAction::Cancel => {
                Supervise::allows(role)
            }
        }
    }

    /// What the case itself must show for the action to make sense.
    fn fits(self, case: &CaseCore) -> bool {
        match self {
            CaseAction::Unlock => case.is_locked(),
            CaseAction::RecordResponse => !case.is_locked(),
            CaseAction::MarkUndeliverable => {
                case.current_letter().is_some_and(|l| l.mailed_on.is_some())
            }
            CaseAction::StartReset => case.pin_to_reset().is_some(),
            CaseAction::IssueLetter
            | CaseAction::IssueLetterOverride
            | CaseAction::PinChange
            | CaseAction::Cancel
            | CaseAction::TakeOver => true,
        }
    }

    /// Stable name (form and button ids).
    pub fn code(self) -> &'static str {
        match self {
            CaseAction::IssueLetter => "issue-letter",
            CaseAction::IssueLetterOverride => "issue-letter-override",
            CaseAction::RecordResponse => "record-response",
            CaseAction::Unlock => "unlock",
            CaseAction::PinChange => "pin-change",
            CaseAction::Cancel => "cancel",
            CaseAction::MarkUndeliverable => "undeliverable",
            CaseAction::TakeOver => "take-over",
            CaseAction::StartReset => "start-reset",
        }
    }
}

/// The actions the page offers `role` on `case`, in the machine's order.
pub fn offered(case: &CaseCore, role: Role) -> Vec<CaseAction> {
    let state = case.state();
    let mut actions: Vec<CaseAction> = case
        .path()
        .transitions()
        .iter()
        .filter(|(from, _, _)| *from == state)
        .filter_map(|(_, kind, _)| CaseAction::for_event(*kind))
        .filter(|a| a.policy_allows(role) && a.fits(case))
        .collect();
    actions.dedup();
    let reset = CaseAction::StartReset;
    if reset.policy_allows(role) && reset.fits(case) {
        actions.push(reset);
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};
    use shokai_workflow::{
        Address, Application, CardFingerprint, Cardholder, Case, CaseState, CodeKeyring, Context,
        DateOfBirth, Event, FailureReason, IdDocument, IdDocumentKind, PersonName, PinSet, Proxy,
        ReferenceNumber, Representation, ResponseChecklist, ResponseEntry, VerificationCode,
        WorkflowSettings,
    };

    struct World {
        settings: WorkflowSettings,
        keyring: CodeKeyring,
        now: chrono::DateTime<Utc>,
    }

    impl World {
        fn new() -> World {
            World {
                // No gap between letters: the gap is a limit the page does not
                // pre-check (see the module doc), so it must not decide here.
                settings: WorkflowSettings {
                    min_letter_gap_days: 0,
                    ..WorkflowSettings::default()
                },
                keyring: CodeKeyring::new("t1", vec![7; 32]).unwrap(),
                now: Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap(),
            }
        }

        fn ctx(&self, role: Role) -> Context<'_> {
            Context::new(self.now, role, &self.settings, &self.keyring)
        }

        fn card() -> CardFingerprint {
            CardFingerprint::parse(&"ab".repeat(32)).unwrap()
        }

        fn open(&self, representation: Representation) -> Case {
            let application = Application {
                cardholder: Cardholder {
                    name: PersonName::parse("山田 太郎", "ヤマダ タロウ").unwrap(),
                    address: Address::parse("160-0022", "東京都", "新宿区", "新宿一丁目1番1号")
                        .unwrap(),
                    date_of_birth: DateOfBirth::parse("1980-04-01").unwrap(),
                    phone: None,
                    adult_ward: false,
                },
                representation,
                pins: PinSet::parse("user_auth").unwrap(),
                procedure: shokai_workflow::Procedure::Change,
                card_fingerprint: World::card(),
                card_has_signature_certificate: true,
            };
            let reference = ReferenceNumber::new(8, 1).unwrap();
            Case::open(application, reference, None, &self.ctx(Role::Clerk))
                .unwrap()
                .case
        }

        fn step(&self, case: &Case, event: Event) -> Case {
            case.apply(event, &self.ctx(Role::Supervisor)).unwrap().case
        }

        fn proxy() -> Representation {
            Representation::OptionalProxy(Proxy {
                person: PersonName::parse("佐藤 花子", "サトウ ハナコ").unwrap(),
                date_of_birth: DateOfBirth::parse("1985-06-15").unwrap(),
                id_document: IdDocument::parse(IdDocumentKind::PensionBook, false, "1234").unwrap(),
                second_id_document: None,
                phone: None,
                email: None,
            })
        }

        fn checklist() -> ResponseChecklist {
            ResponseChecklist {
                card_presented: Some(World::card()),
                proxy_photo_id: Some(
                    IdDocument::parse(IdDocumentKind::DriversLicence, true, "5678").unwrap(),
                ),
                proxy_second_id: None,
                response_form_signed: true,
                power_of_attorney_complete: true,
                power_of_attorney_names_proxy: true,
                envelope_sealed: true,
            }
        }

        fn response(&self, code: &str) -> Event {
            Event::RecordResponse(ResponseEntry::new(code, self.now, World::checklist()))
        }

        /// Cases in every state of both machines (and a locked one), each
        /// with the code of its current letter. One arrange block per state,
        /// read top to bottom; splitting it would hide the order.
        #[allow(clippy::too_many_lines)]
        fn every_case(&self) -> Vec<(&'static str, Case, String)> {
            let mut out = Vec::new();
            let same_day = self.open(Representation::InPerson);
            out.push(("in person applied", same_day.clone(), String::new()));
            let card = World::card();
            let pin_set = self.step(&same_day, Event::CompletePinChange { card });
            out.push(("in person pin set", pin_set, String::new()));
            let failed = self.step(
                &same_day,
                Event::Fail {
                    reason: FailureReason::CardError,
                    note: None,
                },
            );
            out.push(("in person failed", failed, String::new()));
            let cancel = |c: &Case| {
                self.step(
                    c,
                    Event::Cancel {
                        reason: "申請取下げ".into(),
                    },
                )
            };
            out.push(("in person cancelled", cancel(&same_day), String::new()));

            let applied = self.open(World::proxy());
            out.push(("proxy applied", applied.clone(), String::new()));
            let queued = self.step(&applied, Event::IssueLetter);
            out.push((
                "proxy applied with a letter queued",
                queued.clone(),
                String::new(),
            ));
            let code = VerificationCode::generate(&mut rand::rng());
            let printed = code.expose().to_owned();
            let today = shokai_workflow::case::japan_date(self.now);
            let print = Event::PrintLetter {
                number: 1,
                code,
                planned_mailing: today,
            };
            let issued = self.step(&queued, print);
            out.push((
                "proxy applied with a letter printed",
                issued.clone(),
                printed.clone(),
            ));
            let mailed = self.step(&issued, Event::MarkMailed { mailed_on: today });
            out.push(("proxy mailed", mailed.clone(), printed.clone()));
            let wrong = VerificationCode::generate(&mut rand::rng());
            let mut locked = mailed.clone();
            while !locked.is_locked() {
                locked = self.step(&locked, self.response(wrong.expose()));
            }
            out.push(("proxy mailed and locked", locked, printed.clone()));
            let returned = self.step(&mailed, self.response(&printed));
            out.push(("proxy response returned", returned.clone(), printed.clone()));
            let card = World::card();
            let done = self.step(&returned, Event::CompletePinChange { card });
            out.push(("proxy pin set", done, printed.clone()));
            out.push(("proxy cancelled", cancel(&mailed), printed.clone()));
            let returned_letter = Event::MarkUndeliverable {
                letter: 1,
                note: None,
            };
            out.push((
                "proxy undeliverable",
                self.step(&mailed, returned_letter),
                printed.clone(),
            ));
            let later = World {
                now: self.now + Duration::days(90),
                ..World::new()
            };
            let expired = mailed.apply(Event::Expire, &later.ctx(Role::Clerk));
            out.push(("proxy expired", expired.unwrap().case, printed));
            out
        }

        /// A well-formed event of `kind` for `case` that only the state,
        /// role and case facts can refuse.
        fn sample(&self, kind: EventKind, case: &Case, code: &str) -> Event {
            let reason = "理由".to_owned();
            match kind {
                EventKind::IssueLetter => Event::IssueLetter,
                EventKind::IssueLetterOverride => Event::IssueLetterOverride { reason },
                EventKind::PrintLetter => Event::PrintLetter {
                    number: case.letters().last().map_or(1, |l| l.number),
                    code: VerificationCode::generate(&mut rand::rng()),
                    planned_mailing: shokai_workflow::case::japan_date(self.now),
                },
                EventKind::MarkMailed => Event::MarkMailed {
                    mailed_on: shokai_workflow::case::japan_date(self.now),
                },
                EventKind::RecordResponse => self.response(code),
                EventKind::Unlock => Event::Unlock { reason },
                EventKind::CompletePinChange => Event::CompletePinChange {
                    card: World::card(),
                },
                EventKind::Fail => Event::Fail {
                    reason: FailureReason::CardError,
                    note: None,
                },
                EventKind::Cancel => Event::Cancel { reason },
                EventKind::MarkUndeliverable => Event::MarkUndeliverable {
                    letter: case.current_letter().map_or(1, |l| l.number),
                    note: None,
                },
                EventKind::Expire => Event::Expire,
                EventKind::CardholderCameInPerson => Event::CardholderCameInPerson {
                    in_person_case: ReferenceNumber::new(8, 2).unwrap(),
                },
            }
        }
    }

    #[test]
    fn a_reset_is_offered_to_clerks_exactly_on_cases_that_failed_on_a_blocked_or_forgotten_pin() {
        let world = World::new();
        for (name, case, _) in world.every_case() {
            for role in Role::ALL {
                let offered = offered(case.core(), role).contains(&CaseAction::StartReset);
                let expected = case.core().pin_to_reset().is_some() && Operate::allows(role);
                assert_eq!(offered, expected, "{name}, {role}");
            }
        }
        let blocked = world.step(
            &world.open(Representation::InPerson),
            Event::Fail {
                reason: FailureReason::ResetRequired {
                    pin: shokai_workflow::PinKind::UserAuth,
                },
                note: None,
            },
        );
        assert!(offered(blocked.core(), Role::Clerk).contains(&CaseAction::StartReset));
        assert!(!offered(blocked.core(), Role::Auditor).contains(&CaseAction::StartReset));
    }

    #[test]
    fn the_page_offers_exactly_the_actions_the_workflow_accepts_in_every_state_for_every_role() {
        let world = World::new();
        let cases = world.every_case();
        let states: std::collections::BTreeSet<CaseState> =
            cases.iter().map(|(_, c, _)| c.state()).collect();
        assert_eq!(states.len(), CaseState::ALL.len(), "every state is covered");
        for (name, case, code) in &cases {
            for role in Role::ALL {
                let offered = offered(case.core(), role);
                for kind in EventKind::ALL {
                    let Some(action) = CaseAction::for_event(kind) else {
                        continue;
                    };
                    let event = world.sample(kind, case, code);
                    let accepted = case.apply(event, &world.ctx(role)).is_ok();
                    assert_eq!(
                        offered.contains(&action),
                        accepted,
                        "{name}, {role}: {action:?} offered={} but apply accepted={accepted}",
                        offered.contains(&action)
                    );
                }
            }
        }
    }

    #[test]
    fn an_applied_proxy_case_offers_a_clerk_the_letter_and_the_takeover_but_not_the_pin_change() {
        let world = World::new();
        let case = world.open(World::proxy());
        assert_eq!(
            offered(case.core(), Role::Clerk),
            vec![CaseAction::IssueLetter, CaseAction::TakeOver]
        );
        assert_eq!(
            offered(case.core(), Role::Supervisor),
            vec![
                CaseAction::IssueLetter,
                CaseAction::IssueLetterOverride,
                CaseAction::Cancel,
                CaseAction::TakeOver
            ]
        );
        assert!(offered(case.core(), Role::Auditor).is_empty());
    }
}
