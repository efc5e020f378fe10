"""The Official Account's tools: `client` (its API: token, menu, user/info, with retries and explained
errors), `server` (the message server for `gen oa serve`) and `replay` (its timestamp and nonce guard),
`followers` (the follower book: follows and unfollows into the shop's database, and the follower gift),
and `fake` (an in-process Official Account API for `--fake-wechat` and the tests)."""
