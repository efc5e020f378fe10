// Page "[[ page_id ]]". Its text lives in `data` (JSON), shown through {{ }} bindings only.
Page(require('../../utils/page.js')([[ page_id | js ]], [[ data | js ]]));
