//! "Your data": a reader downloads everything Chime holds about them, or
//! erases it (API.md, "A reader's data"). Plain markup and the browser's
//! own confirmation: it costs the bundle little.

use super::Ctx;
use crate::browser;
use leptos::prelude::*;

pub fn view(ctx: Ctx) -> impl IntoView {
    let download = move |_| {
        leptos::task::spawn_local(async move {
            match ctx.api.get_value().my_data().await {
                Ok(json) => {
                    browser::save_file("chime-my-data.json", &json);
                    ctx.say("Your data is saved as chime-my-data.json.");
                }
                Err(failure) => ctx.failed(&failure),
            }
        });
    };
    let erase = move |_| {
        if !browser::confirm(
            "Erase all your comments, reactions and reports on this site? Those with replies \
             stay as \"deleted\", without your name or words. This cannot be undone.",
        ) {
            return;
        }
        leptos::task::spawn_local(async move {
            match ctx.api.get_value().erase_my_data().await {
                Ok(()) => {
                    ctx.say("Your comments, reactions and reports here are erased.");
                    ctx.reload();
                    ctx.load_article_reactions();
                }
                Err(failure) => ctx.failed(&failure),
            }
        });
    };
    view! {
        <details class="chime-data" data-testid="your-data">
            <summary>"Your data"</summary>
            <button type="button" class="chime-secondary" data-testid="download-data" on:click=download>"Download my data"</button>
            " "
            <button type="button" class="chime-danger" data-testid="erase-data" on:click=erase>"Erase my data"</button>
        </details>
    }
}
