// catalog.json and pages.json are generated from the site's products.csv and site.yaml (bench/taro_case.py)
import catalog from './catalog.json'
import contentPages from './pages.json'
import type { Category, ContentPage, Product } from './types'

export type { Category, ContentPage, Product }

export const categories: Category[] = catalog.categories
export const products: Product[] = catalog.products
export const pages: ContentPage[] = contentPages

export function priceText(price: number): string {
  return `¥${price.toFixed(2)}`
}

export function productsIn(category: string, limit?: number): Product[] {
  const found = products.filter((product) => product.category === category)
  return limit === undefined ? found : found.slice(0, limit)
}

export function findProduct(id: string | undefined): Product | undefined {
  return products.find((product) => product.id === id)
}
