//! The sweep in the browser (issue 12): the dock's "What if" tab ([`panel`]), the
//! results over the stage ([`board`], with the Pareto plot in [`plot`]) and the Web
//! Workers that run the cells ([`workers`]). The state machine behind them is
//! `lab::sweep`; this is only its DOM.

mod board;
mod panel;
mod plot;
pub mod workers;

pub use board::SweepBoard;
pub use panel::SweepPanel;
