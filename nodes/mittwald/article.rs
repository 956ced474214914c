use crate::prelude::*;

/// mittwald returns at most this many articles per page.
const PAGE_SIZE: u64 = 100;

const ORDERABLE: [(&str, &str); 5] = [
    ("Forbidden", "forbidden"),
    ("Internal", "internal"),
    ("Beta Testing", "beta_testing"),
    ("Full", "full"),
    ("Deprecated", "deprecated"),
];

/// `article-list-articles`: filters plus Return All / Limit over `limit`/`skip` pages.
pub fn list() -> Operation {
    Operation::new("article-list-articles", "List articles", "List articles", |input| {
        let filters = input.params.group("filters")?;
        let mut request = Request::get("/v2/articles");
        for name in ["tags", "templateNames", "articleIds"] {
            request = request.query_list(name, &filters.string_list(name)?);
        }
        request = request.query_list("orderable", &filters.choices("orderable")?);
        if let Some(name) = filters.text("name")? {
            request = request.query("name", name);
        }
        Ok(Plan::list(request, Some(Paging::from_params(&input.params, Pages::new(super::PAGES, PAGE_SIZE))?)))
    })
    .describe("List the articles of the mittwald marketplace, one item per article")
    .public()
    .fields(
        return_all_fields()
            .into_iter()
            .chain([Property::collection(
                "filters",
                "Filters",
                vec![
                    Property::string_list("articleIds", "Article IDs", "Add Article ID"),
                    Property::string("name", "Name").describe("Only articles whose name matches"),
                    Property::multi_options(
                        "orderable",
                        "Orderable",
                        ORDERABLE.iter().map(|(name, value)| Choice::new(*name, *value)).collect(),
                    ),
                    Property::string_list("tags", "Tags", "Add Tag")
                        .describe("Articles with at least one of these tags"),
                    Property::string_list("templateNames", "Template Names", "Add Template Name"),
                ],
            )
            .placeholder("Add Filter")])
            .collect(),
    )
}

/// `article-get-article`.
pub fn get() -> Operation {
    Operation::new("article-get-article", "Get an article", "Get an article", |input| {
        let article_id = input.params.required_text("articleId")?;
        let request = Request::get("/v2/articles/{articleId}")
            .path_param("articleId", &article_id)
            .map_err(|_| input.params.invalid("articleId", "must not be \".\" or \"..\""))?;
        Ok(Plan::item(request))
    })
    .describe("Get one article of the mittwald marketplace")
    .public()
    .fields(vec![Property::locator("articleId", "Article ID", &super::ARTICLES, "e.g. PS23-PLUS-0004").required()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::Expect;

    fn prepare(op: Operation, params: Value) -> Result<Plan, NodeError> {
        crate::testing::prepare(&op, 1, params, json!({}))
    }

    #[test]
    fn filters_become_exploded_query_arrays() {
        let plan = prepare(
            list(),
            json!({ "returnAll": false, "limit": 7, "filters": { "tags": ["a", "b"], "orderable": ["full"], "name": "pro" } }),
        )
        .unwrap();
        assert_eq!(
            plan.request().unwrap().url("http://x"),
            "http://x/v2/articles?tags=a&tags=b&orderable=full&name=pro"
        );
        let Plan::Call { expect: Expect::List(Some(paging)), .. } = plan else { panic!("expected paging") };
        assert_eq!(paging.max_items, Some(7));
    }

    #[test]
    fn unknown_orderable_values_are_refused() {
        let error = prepare(list(), json!({ "filters": { "orderable": ["sometimes"] } })).err().unwrap();
        assert!(error.message.starts_with("Parameter \"Orderable\" of item 1"), "{}", error.message);
    }

    #[test]
    fn article_ids_are_encoded_into_one_segment() {
        let plan = prepare(get(), json!({ "articleId": "../../v2/secret?x" })).unwrap();
        assert_eq!(plan.request().unwrap().path, "/v2/articles/..%2F..%2Fv2%2Fsecret%3Fx");
        let error = prepare(get(), json!({ "articleId": ".." })).err().unwrap();
        assert!(error.message.contains("\"Article ID\""));
    }
}
