import contentPages from './data/pages.json'

export default defineAppConfig({
  pages: [
    'pages/home/index',
    'pages/shop/index',
    ...contentPages.map((page) => `pages/${page.id}/index`)
  ],
  subPackages: [
    {
      root: 'catalog',
      pages: ['category/index', 'product/index']
    }
  ],
  window: {
    backgroundTextStyle: 'light',
    navigationBarBackgroundColor: '#fff8f0',
    navigationBarTitleText: '基准商店',
    navigationBarTextStyle: 'black'
  },
  tabBar: {
    color: '#8a7968',
    selectedColor: '#d9622b',
    backgroundColor: '#ffffff',
    borderStyle: 'black',
    list: [
      {
        pagePath: 'pages/home/index',
        text: '首页',
        iconPath: 'assets/tab/home.png',
        selectedIconPath: 'assets/tab/home-active.png'
      },
      {
        pagePath: 'pages/shop/index',
        text: '分类',
        iconPath: 'assets/tab/category.png',
        selectedIconPath: 'assets/tab/category-active.png'
      }
    ]
  }
})
