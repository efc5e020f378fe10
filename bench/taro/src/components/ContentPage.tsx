import { Text, View } from '@tarojs/components'

import { pages, productsIn } from '../data'
import ProductGrid from './ProductGrid'

interface Props {
  id: string
}

/** One of the site's plain pages: a paragraph and a few products of one category. */
export default function ContentPage({ id }: Props) {
  const page = pages.find((candidate) => candidate.id === id)
  if (!page) {
    return <View className='empty'>页面不存在</View>
  }
  return (
    <View className='page'>
      <View className='section'>
        <Text userSelect>{page.text}</Text>
      </View>
      <ProductGrid items={productsIn(page.category, page.limit)} />
    </View>
  )
}
