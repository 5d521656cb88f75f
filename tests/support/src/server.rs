//! `chime` running inside the test's own process on a free port: the
//! state is at hand (to act as a moderator would, or to read the metrics)
//! and stopping it is graceful.

use chime_backend::clock::Clock;
use chime_backend::startup::config::Settings;
use chime_backend::startup::{Application, StartupError};
use chime_backend::state::AppState;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server; asked to stop when dropped.
pub struct InProcess {
    pub url: String,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl InProcess {
    /// Builds the app from `settings` and serves it on a task.
    pub async fn start(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        let app = Application::build(settings, clock).await?;
        let url = app.url();
        let state = app.state().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        Ok(Self {
            url,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Asks the server to stop and waits until it has (every connection
    /// closed).
    pub async fn stop(&mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(std::io::Error::other)?,
            None => Ok(()),
        }
    }
}
