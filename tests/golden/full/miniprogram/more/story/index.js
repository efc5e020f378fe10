// Page "story". Its text lives in `data` (JSON), shown through {{ }} bindings only.
Page(require('../../utils/page.js')("story", {"blocks":[{"align":"left","paragraphs":["三层页面的最底层。"],"title":"","type":"text"},{"link":{"kind":"tab","url":"/pages/home/index"},"style":"primary","text":"回首页","type":"button"}],"sharePath":"/more/story/index","shareTitle":"品牌故事","title":"品牌故事"}));
