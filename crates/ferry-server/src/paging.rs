//! Octopus's paged collections: `Items`, `TotalResults`, `ItemsPerPage`, `NumberOfPages`,
//! `LastPageNumber` and `Links` with `Page.Next` only when there is a next page.

use serde_json::{Value, json};

use crate::api::input::Query;

/// Default page size.
pub const DEFAULT_TAKE: usize = 30;

/// Page `items` per `skip`/`take` in `query`.
pub fn page(item_type: &str, base: &str, items: Vec<Value>, query: &Query) -> Value {
    let total = items.len();
    let skip = query.usize("skip").unwrap_or(0);
    let take = query.usize("take").unwrap_or(DEFAULT_TAKE).max(1);
    let page_items: Vec<Value> = items.into_iter().skip(skip).take(take).collect();
    let pages = total.div_ceil(take).max(1);
    let last_skip = (pages - 1) * take;
    let link =
        |skip: usize| format!("{base}?skip={skip}&take={take}{}", query.passthrough(&["skip", "take"]));
    let mut links = serde_json::Map::new();
    links.insert("Self".into(), json!(base));
    links.insert("Template".into(), json!(format!("{base}{{?skip,take}}")));
    links.insert("Page.All".into(), json!(format!("{base}?skip=0&take=2147483647")));
    links.insert("Page.Current".into(), json!(link(skip)));
    links.insert("Page.Last".into(), json!(link(last_skip)));
    if skip + take < total {
        links.insert("Page.Next".into(), json!(link(skip + take)));
    }
    if skip > 0 {
        links.insert("Page.Previous".into(), json!(link(skip.saturating_sub(take))));
    }
    json!({
        "ItemType": item_type,
        "TotalResults": total,
        "ItemsPerPage": take,
        "NumberOfPages": pages,
        "LastPageNumber": pages - 1,
        "IsStale": false,
        "Items": page_items,
        "Links": links,
    })
}
