//! What every component reads from the Yew context: the lab's read-only picture
//! ([`LabView`], published by the session) and the way back for the [`Intent`]s they
//! send. Components never touch the `Simulation`.

use std::ops::Deref;
use std::rc::Rc;

use yew::Callback;

use crate::lab::intent::Intent;
use crate::lab::view::LabView;

/// The context value: a picture and a dispatcher. It reads as the picture it carries
/// (`lab.view`, `lab.config` …), so components name what they draw, not how it arrived.
#[derive(Clone)]
pub struct LabState {
    shown: Rc<LabView>,
    pub dispatch: Callback<Intent>,
}

impl LabState {
    pub fn new(shown: Rc<LabView>, dispatch: Callback<Intent>) -> Self {
        Self { shown, dispatch }
    }
}

impl Deref for LabState {
    type Target = LabView;

    fn deref(&self) -> &LabView {
        &self.shown
    }
}

impl PartialEq for LabState {
    /// Every published picture has a new revision; the dispatcher never changes.
    fn eq(&self, other: &Self) -> bool {
        self.shown.revision == other.shown.revision
    }
}
