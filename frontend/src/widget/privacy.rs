//! "Your data": a reader downloads everything Chime holds about them, or
//! erases it (API.md, "A reader's data"). Plain markup and the browser's
//! own confirmation: it costs the bundle little.

use super::Ctx;
use crate::browser;
use crate::i18n::widget::Msg;
use leptos::prelude::*;

pub fn view(ctx: Ctx) -> impl IntoView {
    let download = move |_| {
        leptos::task::spawn_local(async move {
            match ctx.api.get_value().my_data().await {
                Ok(json) => {
                    browser::save_file("chime-my-data.json", &json);
                    ctx.say(ctx.t(Msg::DataSaved));
                }
                Err(failure) => ctx.failed(&failure),
            }
        });
    };
    let erase = move |_| {
        if !browser::confirm(&ctx.t(Msg::EraseConfirm)) {
            return;
        }
        leptos::task::spawn_local(async move {
            match ctx.api.get_value().erase_my_data().await {
                Ok(()) => {
                    // What the form kept on this device goes too.
                    browser::forget(crate::logic::draft::NAME_KEY);
                    browser::forget(crate::logic::draft::EMAIL_KEY);
                    ctx.say(ctx.t(Msg::Erased));
                    ctx.reload();
                    ctx.load_article_reactions();
                }
                Err(failure) => ctx.failed(&failure),
            }
        });
    };
    view! {
        <details class="chime-data" data-testid="your-data">
            <summary>{ctx.t(Msg::YourData)}</summary>
            <button type="button" class="chime-secondary" data-testid="download-data" on:click=download>{ctx.t(Msg::DownloadData)}</button>
            " "
            <button type="button" class="chime-danger" data-testid="erase-data" on:click=erase>{ctx.t(Msg::EraseData)}</button>
        </details>
    }
}
