export interface Category {
  id: string
  name: string
}

export interface Product {
  id: string
  name: string
  price: number
  category: string
  description: string
  stock: number
}

export interface ContentPage {
  id: string
  title: string
  text: string
  category: string
  limit: number
}
